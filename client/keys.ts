import { createPrivateKey, type KeyObject } from 'node:crypto';
import { newEd25519Key } from '../shared/sign.js';
import { readFile, writeFile } from 'node:fs/promises';
import { errorCode } from './error-code.js';

export { publicKeyHex } from '../shared/sign.js';

/** A key file that cannot serve: missing, unreadable, not a private key, or not Ed25519. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';

  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function generateKey(): KeyObject {
  return newEd25519Key();
}

/**
 * Writes a private key as PKCS#8 PEM, the format `openssl genpkey -algorithm ed25519` writes,
 * readable by its owner only (0600). An existing file is never overwritten: it may be the only
 * copy of a key mesh knows.
 */
export async function saveKey(path: string, key: KeyObject): Promise<void> {
  const pem = key.export({ format: 'pem', type: 'pkcs8' });
  try {
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const reason = errorCode(error) === 'EEXIST' ? 'it already exists; refusing to overwrite a key' : (error as Error).message;
    throw new KeyFileError(path, `cannot write key file ${path}: ${reason}`, { cause: error });
  }
}

/** Reads an Ed25519 private key from a PKCS#8 PEM file, such as saveKey or openssl writes. */
export async function loadKey(path: string): Promise<KeyObject> {
  let pem: Buffer;
  try {
    pem = await readFile(path);
  } catch (error) {
    const reason = errorCode(error) === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new KeyFileError(path, `cannot read key file ${path}: ${reason}`, { cause: error });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    const reason =
      errorCode(error) === 'ERR_MISSING_PASSPHRASE'
        ? 'it is encrypted; mesh needs an unencrypted PKCS#8 key'
        : 'it does not hold a PEM private key (make one with `mesh keygen` or `openssl genpkey -algorithm ed25519`)';
    throw new KeyFileError(path, `key file ${path} is unusable: ${reason}`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyFileError(path, `key file ${path} holds an ${key.asymmetricKeyType ?? 'unknown'} key; mesh signs with Ed25519`);
  }
  return key;
}
