import { useState } from 'preact/hooks';
import { forgetKey, keyStore, loadKeyText, stopRemembering } from '../key-store.js';
import { fingerprint } from '../sovereign-key.js';
import { useStore } from '../store.js';

/** Where a sovereign loads their key: read from a file into this page, sent nowhere. */
export function KeyPanel({ sovereigns }: { sovereigns: ReadonlySet<string> | null }) {
  const state = useStore(keyStore);
  const [remember, setRemember] = useState(false);

  if (state.key) {
    const known = sovereigns?.has(state.key.publicKey);
    return (
      <section class="key-panel key-loaded" aria-label="Sovereign key">
        <div>
          <p class="key-title">
            Signing as <strong>{state.fileName}</strong>
            {known === false && <span class="badge badge-denied">not a sovereign of this network</span>}
            {known === true && <span class="badge badge-active">sovereign</span>}
          </p>
          <p class="mono key-fingerprint" data-testid="loaded-key">
            {fingerprint(state.key.publicKey)}
          </p>
          <p class="muted">
            {state.remembered
              ? 'Kept in this tab’s session storage until the tab closes.'
              : 'Held in this page’s memory only: reloading the page forgets it.'}
          </p>
        </div>
        <div class="key-buttons">
          {state.remembered && (
            <button type="button" class="button" onClick={stopRemembering}>
              Stop keeping in session
            </button>
          )}
          <button type="button" class="button" onClick={forgetKey}>
            Forget key
          </button>
        </div>
      </section>
    );
  }

  return (
    <section class="key-panel" aria-label="Sovereign key">
      <div>
        <label class="file-label">
          <span class="key-title">Load a sovereign key to decide</span>
          <input
            type="file"
            accept=".pem,.key,application/x-pem-file,text/plain"
            data-testid="key-file"
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              event.currentTarget.value = '';
              if (file) void file.text().then((text) => loadKeyText(text, file.name, remember));
            }}
          />
        </label>
        <p class="muted">
          A PKCS#8 PEM file, as <code>mesh keygen</code> or <code>openssl genpkey -algorithm ed25519</code> writes. It is read in
          this page and never sent anywhere.
        </p>
        <label class="checkbox">
          <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.currentTarget.checked)} />
          Keep it in this tab’s session storage (until the tab closes)
        </label>
        {state.error && (
          <p class="notice notice-error" role="alert">
            {state.error}
          </p>
        )}
      </div>
    </section>
  );
}
