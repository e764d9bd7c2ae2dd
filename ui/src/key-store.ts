import { createStore } from './store.js';
import { KeyFileError, loadSovereignKey, type SovereignKey } from './sovereign-key.js';

export interface KeyState {
  key: SovereignKey | null;
  fileName: string | null;
  /** The sovereign asked to keep the key in this tab's session storage, until the tab closes. */
  remembered: boolean;
  error: string | null;
}

const SESSION_KEY = 'mesh.sovereign-key';

export const keyStore = createStore<KeyState>({ key: null, fileName: null, remembered: false, error: null });

/** Loads a key from a file's text. The text is kept nowhere unless `remember` is set. */
export async function loadKeyText(text: string, fileName: string, remember: boolean): Promise<void> {
  try {
    const key = await loadSovereignKey(text);
    if (remember) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ text, fileName }));
    else sessionStorage.removeItem(SESSION_KEY);
    keyStore.set({ key, fileName, remembered: remember, error: null });
  } catch (error) {
    keyStore.set({
      key: null,
      fileName,
      remembered: false,
      error: error instanceof KeyFileError ? error.message : `The key could not be loaded: ${String(error)}`,
    });
  }
}

export function forgetKey(): void {
  sessionStorage.removeItem(SESSION_KEY);
  keyStore.set({ key: null, fileName: null, remembered: false, error: null });
}

/** Stops keeping the key in session storage; it stays loaded in memory for this page. */
export function stopRemembering(): void {
  sessionStorage.removeItem(SESSION_KEY);
  keyStore.set({ ...keyStore.get(), remembered: false });
}

/** A key the sovereign chose to keep for this tab comes back after a reload. */
export async function restoreKey(): Promise<void> {
  const saved = sessionStorage.getItem(SESSION_KEY);
  if (!saved) return;
  try {
    const { text, fileName } = JSON.parse(saved) as { text: string; fileName: string };
    await loadKeyText(text, fileName, true);
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
  }
}
