import { createPublicKey, verify, type KeyObject } from 'node:crypto';

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PUBLIC_KEY_HEX = /^[0-9a-f]{64}$/;
const SIGNATURE_HEX = /^[0-9a-fA-F]{128}$/;

/**
 * Verifies Ed25519 signatures with node:crypto (OpenSSL, RFC 8032), keeping one KeyObject per key:
 * building a KeyObject costs more than many verifications. The cache is bounded and drops its
 * oldest entries first, so a flood of unknown keys cannot grow memory without limit.
 */
export class SignatureVerifier {
  readonly #keys = new Map<string, KeyObject | null>();

  constructor(private readonly maxCachedKeys = 100_000) {}

  /** How many keys the cache holds now (never more than its bound). */
  get cachedKeys(): number {
    return this.#keys.size;
  }

  /** True only for a well-formed signature by `publicKeyHex` over `message`; never throws. */
  verify(publicKeyHex: string, message: string | Uint8Array, signatureHex: string): boolean {
    if (!SIGNATURE_HEX.test(signatureHex)) return false;
    const key = this.#keyObject(publicKeyHex);
    if (key === null) return false;
    try {
      return verify(
        null,
        typeof message === 'string' ? Buffer.from(message, 'utf8') : message,
        key,
        Buffer.from(signatureHex, 'hex'),
      );
    } catch {
      return false;
    }
  }

  #keyObject(publicKeyHex: string): KeyObject | null {
    const hex = publicKeyHex.toLowerCase();
    const cached = this.#keys.get(hex);
    if (cached !== undefined) return cached;
    const key = PUBLIC_KEY_HEX.test(hex) ? importPublicKey(hex) : null;
    if (this.#keys.size >= this.maxCachedKeys) {
      const oldest = this.#keys.keys().next();
      if (!oldest.done) this.#keys.delete(oldest.value);
    }
    this.#keys.set(hex, key);
    return key;
  }
}

function importPublicKey(hex: string): KeyObject | null {
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}
