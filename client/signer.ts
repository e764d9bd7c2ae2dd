import type { KeyObject } from 'node:crypto';
import { publicKeyHex, signMessage } from '../shared/sign.js';

/**
 * An Ed25519 key that signs mesh requests. Its timestamps strictly increase, even within one
 * millisecond, because mesh accepts each key's timestamps only in increasing order.
 */
export class Signer {
  readonly publicKey: string;
  #lastTimestamp = 0;

  constructor(
    readonly privateKey: KeyObject,
    private readonly now: () => number = Date.now,
  ) {
    this.publicKey = publicKeyHex(privateKey);
  }

  /** The last timestamp this signer gave out (0 before the first). */
  get lastTimestamp(): number {
    return this.#lastTimestamp;
  }

  /**
   * Takes back the timestamps given out after `timestamp`: mesh refused them as too far from its
   * clock, so they were never accepted, and the next ones may be earlier once the clock is corrected.
   */
  rewindTo(timestamp: number): void {
    this.#lastTimestamp = Math.min(this.#lastTimestamp, timestamp);
  }

  /**
   * Notes a timestamp this key signed elsewhere (a key rotation, which the new key signs with the
   * old key's timestamp): mesh accepted it for this key, so the next one must be later.
   */
  advanceTo(timestamp: number): void {
    this.#lastTimestamp = Math.max(this.#lastTimestamp, timestamp);
  }

  nextTimestamp(): number {
    this.#lastTimestamp = Math.max(this.now(), this.#lastTimestamp + 1);
    return this.#lastTimestamp;
  }

  sign(message: string): string {
    return signMessage(this.privateKey, message);
  }
}
