import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../shared/testing/temp-dir.js';
import { generateKey, KeyFileError, loadKey, publicKeyHex, saveKey } from './keys.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => join(tmp.dir, name);

/** The raw public key as openssl derives it: the last 32 bytes of the SubjectPublicKeyInfo. */
function opensslPublicKeyHex(path: string): string {
  const der = execFileSync('openssl', ['pkey', '-in', path, '-pubout', '-outform', 'DER']);
  return der.subarray(-32).toString('hex');
}

describe('PEM key files', () => {
  it('loads a key made by openssl genpkey', async () => {
    const path = file('openssl.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', path]);
    const key = await loadKey(path);
    expect(publicKeyHex(key)).toBe(opensslPublicKeyHex(path));
  });

  it('saves a key openssl reads back, readable by its owner only', async () => {
    const path = file('saved.pem');
    const key = generateKey();
    await saveKey(path, key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(opensslPublicKeyHex(path)).toBe(publicKeyHex(key));
    expect(publicKeyHex(await loadKey(path))).toBe(publicKeyHex(key));
  });

  it('never overwrites an existing key file', async () => {
    const path = file('kept.pem');
    await saveKey(path, generateKey());
    await expect(saveKey(path, generateKey())).rejects.toThrow(/already exists; refusing to overwrite/);
  });

  const rsaKey = () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
  const publicKey = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' });

  it.each([
    ['a missing file', null, /cannot read key file .*: no such file/],
    ['a public key', publicKey, /does not hold a PEM private key/],
    ['an RSA key', rsaKey, /holds an rsa key; mesh signs with Ed25519/],
    ['text that is no key', () => 'hello', /does not hold a PEM private key/],
  ])('refuses %s with a KeyFileError', async (name, content, message) => {
    const path = file(`${name.replaceAll(' ', '-')}.pem`);
    if (content) writeFileSync(path, content());
    const error = await loadKey(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as KeyFileError).message).toMatch(message);
  });
});
