import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyHex, newEd25519Key } from '../../shared/sign.js';
import { KeyFileError, fingerprint, loadSovereignKey, seedFromPem } from './sovereign-key.js';

const message = 'mesh-v1\ntana\napprove\nvalidator-a\n' + 'ab'.repeat(32) + '\n1764676800000';

function pemOf(key = newEd25519Key()): {
  pem: string;
  publicKey: string;
  verifyWith: (signature: string) => boolean;
} {
  const pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  const publicKey = createPublicKey(key);
  return {
    pem,
    publicKey: publicKeyHex(key),
    verifyWith: (signature) => verify(null, Buffer.from(message), publicKey, Buffer.from(signature, 'hex')),
  };
}

describe('a sovereign key loaded in the page', () => {
  it('reads a PKCS#8 PEM as mesh keygen writes it, and signs what node:crypto verifies', async () => {
    const file = pemOf();
    const key = await loadSovereignKey(file.pem);
    expect(key.publicKey).toBe(file.publicKey);
    expect(key.signer).toBe('webcrypto');
    expect(file.verifyWith(await key.sign(message))).toBe(true);
  });

  it('signs the same bytes with noble where the browser has no WebCrypto', async () => {
    const file = pemOf();
    const subtle = Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle');
    Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
    try {
      const key = await loadSovereignKey(file.pem);
      expect(key.signer).toBe('noble');
      expect(file.verifyWith(await key.sign(message))).toBe(true);
    } finally {
      if (subtle) Object.defineProperty(globalThis.crypto, 'subtle', subtle);
      else Reflect.deleteProperty(globalThis.crypto, 'subtle');
    }
  });

  it('reads a version 2 PKCS#8 key that carries its public key', async () => {
    const file = pemOf();
    const { seed } = seedFromPem(file.pem);
    const publicKey = Buffer.from(file.publicKey, 'hex');
    const v2 = Buffer.concat([
      Buffer.from('3051020101300506032b657004220420', 'hex'),
      seed,
      Buffer.from('8121', 'hex'),
      Buffer.from([0]),
      publicKey,
    ]);
    const pem = `-----BEGIN PRIVATE KEY-----\n${v2.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    expect((await loadSovereignKey(pem)).publicKey).toBe(file.publicKey);
  });

  it('refuses, in words, files that are no usable Ed25519 private key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const ed = generateKeyPairSync('ed25519');
    const encrypted = ed.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }).toString();
    const cases: Array<[string, RegExp]> = [
      [rsa, /not an Ed25519 key/],
      [encrypted, /encrypted/],
      [ed.publicKey.export({ format: 'pem', type: 'spki' }).toString(), /public key/],
      ['hello', /no PEM private key/],
      ['-----BEGIN PRIVATE KEY-----\n@@@\n-----END PRIVATE KEY-----', /not valid base64/],
    ];
    for (const [pem, words] of cases) {
      await expect(loadSovereignKey(pem)).rejects.toThrow(KeyFileError);
      await expect(loadSovereignKey(pem)).rejects.toThrow(words);
    }
  });

  it('groups a key in fours for reading aloud', () => {
    expect(fingerprint('0123456789abcdef')).toBe('0123 4567 89ab cdef');
  });
});
