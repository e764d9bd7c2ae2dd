import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';

/** Signs a canonical message with an Ed25519 private key; the signature as lowercase hex. */
export function signMessage(privateKey: KeyObject, message: string): string {
  return sign(null, Buffer.from(message, 'utf8'), privateKey).toString('hex');
}

/** The raw 32-byte public key of an Ed25519 key (private or public), as lowercase hex. */
export function publicKeyHex(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('hex');
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key from its 32-byte seed (RFC 8032's "secret key"), given as hex. */
export function privateKeyFromSeed(seedHex: string): KeyObject {
  const seed = Buffer.from(seedHex, 'hex');
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes (64 hex characters)');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/**
 * A new Ed25519 private key: 32 random bytes taken as its seed, which is all Ed25519 key generation
 * is. Not generateKeyPairSync: on Node 20 the key-generation job it leaves for the garbage collector
 * shares a lock with the key it made, and a collection that finalizes the job while that key is
 * being exported (publicKeyHex) waits on the lock its own thread holds, and the process hangs.
 */
export function newEd25519Key(): KeyObject {
  return privateKeyFromSeed(randomBytes(32).toString('hex'));
}
