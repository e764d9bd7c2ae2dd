import type { KeyObject } from 'node:crypto';
import { publicKeyHex } from '../shared/sign.js';
import { Signer } from './signer.js';

/** A private key, or a Signer that already keeps that key's timestamps. */
export type SigningKey = KeyObject | Signer;

interface Entry {
  signer: Signer;
  queue: Promise<unknown>;
}

/**
 * One Signer per public key, however many KeyObjects hold it, and one signed request in flight per
 * key. mesh accepts a key's timestamps only in increasing order, so a burst sent in parallel would
 * arrive out of order and see its later-signed requests refused as replays; queued, each request is
 * signed when its turn comes and arrives in the order it was signed.
 */
export class KeyRing {
  readonly #entries = new Map<string, Entry>();

  /** `now` is the clock of the signers this ring makes (a Signer handed in keeps its own). */
  constructor(private readonly now: () => number = Date.now) {}

  signer(key: SigningKey): Signer {
    return this.#entry(key).signer;
  }

  /** Runs `task` with the key's signer once the key's previous requests have finished. */
  run<T>(key: SigningKey, task: (signer: Signer) => Promise<T>): Promise<T> {
    const entry = this.#entry(key);
    const result = entry.queue.then(() => task(entry.signer));
    entry.queue = result.catch(() => undefined);
    return result;
  }

  #entry(key: SigningKey): Entry {
    if (!(key instanceof Signer) && key.type !== 'private') throw new TypeError('signing needs a private key, not a public one');
    const publicKey = key instanceof Signer ? key.publicKey : publicKeyHex(key);
    let entry = this.#entries.get(publicKey);
    if (!entry) {
      entry = { signer: key instanceof Signer ? key : new Signer(key, this.now), queue: Promise.resolve() };
      this.#entries.set(publicKey, entry);
    }
    return entry;
  }
}
