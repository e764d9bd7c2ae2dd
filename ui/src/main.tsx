import { render } from 'preact';
import { App } from './App.js';
import { restoreKey } from './key-store.js';
import { startLive } from './live.js';
import './styles.css';

startLive();
void restoreKey();
render(<App />, document.getElementById('app')!);
