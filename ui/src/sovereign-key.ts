import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

// Without WebCrypto (a page opened over plain http from another host is no secure context) noble
// signs on its own, with this hash.
ed.hashes.sha512 = sha512;

/** A key file the page cannot use, said in words a sovereign can act on. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

export interface SovereignKey {
  /** Raw 32-byte Ed25519 public key, lowercase hex: what mesh knows the sovereign by. */
  publicKey: string;
  /** Which implementation signs: the browser's own WebCrypto, or @noble/ed25519 where it has none. */
  signer: 'webcrypto' | 'noble';
  sign(message: string): Promise<string>;
}

const ED25519_OID = '06032b6570';
const SEED_OCTET_STRING = '04220420';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/**
 * The 32-byte seed of an Ed25519 key in PKCS#8 PEM, as `mesh keygen` and `openssl genpkey
 * -algorithm ed25519` write it (version 1), or with its public key attached (version 2).
 */
export function seedFromPem(pem: string): { der: Uint8Array; seed: Uint8Array } {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
    throw new KeyFileError('This key file is encrypted. mesh needs an unencrypted PKCS#8 key, as `mesh keygen` writes.');
  }
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw new KeyFileError('This is a public key. Load the private key file: signing needs it, and it never leaves this page.');
  }
  if (/-----BEGIN OPENSSH PRIVATE KEY-----/.test(pem)) {
    throw new KeyFileError('This is an OpenSSH key. mesh needs a PKCS#8 PEM key, as `mesh keygen` writes.');
  }
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match?.[1]) {
    throw new KeyFileError(
      'This file holds no PEM private key. Make one with `mesh keygen` or `openssl genpkey -algorithm ed25519`.',
    );
  }
  let der: Uint8Array;
  try {
    der = fromBase64(match[1].replace(/\s+/g, ''));
  } catch {
    throw new KeyFileError('The PEM block of this key file is damaged: it is not valid base64.');
  }
  const text = hex(der);
  if (!text.includes(ED25519_OID)) throw new KeyFileError('This is not an Ed25519 key: mesh signs with Ed25519 only.');
  const at = text.indexOf(SEED_OCTET_STRING, text.indexOf(ED25519_OID));
  if (at < 0 || at % 2 !== 0 || text.length < at + SEED_OCTET_STRING.length + 64) {
    throw new KeyFileError('This Ed25519 key file has no private key where PKCS#8 puts it.');
  }
  const start = (at + SEED_OCTET_STRING.length) / 2;
  return { der, seed: der.slice(start, start + 32) };
}

async function webCryptoSigner(seed: Uint8Array): Promise<CryptoKey | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  // Re-wrapped as a version 1 PKCS#8 key: every WebCrypto that knows Ed25519 imports that form.
  const pkcs8 = new Uint8Array([...fromHex('302e020100300506032b657004220420'), ...seed]);
  try {
    return await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  } catch {
    return null;
  }
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Reads a sovereign's key from the text of its PEM file. The key stays in this page's memory. */
export async function loadSovereignKey(pem: string): Promise<SovereignKey> {
  const { seed } = seedFromPem(pem);
  const publicKey = hex(ed.getPublicKey(seed));
  const cryptoKey = await webCryptoSigner(seed);
  const encoder = new TextEncoder();
  if (cryptoKey) {
    const subtle = globalThis.crypto.subtle;
    return {
      publicKey,
      signer: 'webcrypto',
      sign: async (message) => hex(new Uint8Array(await subtle.sign({ name: 'Ed25519' }, cryptoKey, encoder.encode(message)))),
    };
  }
  return {
    publicKey,
    signer: 'noble',
    sign: (message) => Promise.resolve(hex(ed.sign(encoder.encode(message), seed))),
  };
}

/** A public key in groups of four, for a person to compare with what the node's operator reads out. */
export function fingerprint(publicKey: string): string {
  return (publicKey.match(/.{1,4}/g) ?? []).join(' ');
}
