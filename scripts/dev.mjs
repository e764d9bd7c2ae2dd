// `npm run dev` / `bun run dev`: mesh from source, restarted on every change, on the runtime that
// runs this script (tsx's watcher on Node; Bun runs TypeScript and watches by itself).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../server/main.ts', import.meta.url));
const args = process.versions.bun ? ['--watch', entry] : [createRequire(import.meta.url).resolve('tsx/cli'), 'watch', entry];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
