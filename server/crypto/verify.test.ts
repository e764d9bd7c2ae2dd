import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyAsync } from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { privateKeyFromSeed, signMessage } from '../../shared/sign.js';
import { RFC8032_KEY_1 } from '../../shared/testing/rfc8032.js';
import { SignatureVerifier } from './verify.js';

// Google's Wycheproof vectors, vendored (Apache-2.0, see their README).
const wycheproofDir = fileURLToPath(new URL('../../shared/testing/wycheproof/', import.meta.url));

interface WycheproofTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WycheproofGroup {
  key?: { pk: string };
  publicKey?: { pk: string };
  tests: WycheproofTest[];
}

function loadVectors(file: string, expectedCount: number) {
  const suite = JSON.parse(readFileSync(`${wycheproofDir}${file}`, 'utf8')) as { testGroups: WycheproofGroup[] };
  const cases = suite.testGroups.flatMap((group) => {
    const pk = group.publicKey?.pk ?? group.key?.pk;
    if (pk === undefined) throw new Error(`${file}: a test group has no public key`);
    return group.tests.map((test) => ({ pk, ...test }));
  });
  expect(cases).toHaveLength(expectedCount);
  return cases;
}

describe('SignatureVerifier', () => {
  it.each([
    ['eddsa_test.json', 145],
    ['ed25519_test.json', 150],
  ])('agrees with every Wycheproof result in %s', (file, count) => {
    const verifier = new SignatureVerifier();
    const disagreements = loadVectors(file, count)
      .filter((test) => verifier.verify(test.pk, Buffer.from(test.msg, 'hex'), test.sig) !== (test.result === 'valid'))
      .map((test) => `tcId ${test.tcId} (${test.comment}): expected ${test.result}`);
    expect(disagreements).toEqual([]);
  });

  // The dashboard signs with @noble/ed25519 where the browser lacks WebCrypto, and shared/key-check.ts
  // decodes keys with it: its strict mode (zip215: false) must agree with OpenSSL on every vector, so
  // no signature one side calls valid is refused by the other.
  it.each([
    ['eddsa_test.json', 145],
    ['ed25519_test.json', 150],
  ])('@noble/ed25519 in strict mode agrees with OpenSSL on every Wycheproof vector in %s', async (file, count) => {
    const verifier = new SignatureVerifier();
    const disagreements: string[] = [];
    for (const test of loadVectors(file, count)) {
      const message = Buffer.from(test.msg, 'hex');
      const noble = await verifyAsync(Buffer.from(test.sig, 'hex'), message, Buffer.from(test.pk, 'hex'), {
        zip215: false,
      }).catch(() => false);
      if (noble !== verifier.verify(test.pk, message, test.sig)) disagreements.push(`tcId ${test.tcId} (${test.comment})`);
    }
    expect(disagreements).toEqual([]);
  });

  it('accepts a real signature and refuses it for another message or key', () => {
    const verifier = new SignatureVerifier();
    const signature = signMessage(privateKeyFromSeed(RFC8032_KEY_1.seed), 'hello');
    expect(verifier.verify(RFC8032_KEY_1.publicKey, 'hello', signature)).toBe(true);
    expect(verifier.verify(RFC8032_KEY_1.publicKey.toUpperCase(), 'hello', signature.toUpperCase())).toBe(true);
    expect(verifier.verify(RFC8032_KEY_1.publicKey, 'hello!', signature)).toBe(false);
    expect(verifier.verify('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'hello', signature)).toBe(false);
  });

  it('returns false, without throwing, for malformed signatures and keys', () => {
    const verifier = new SignatureVerifier();
    expect(verifier.verify(RFC8032_KEY_1.publicKey, 'hello', '')).toBe(false);
    expect(verifier.verify(RFC8032_KEY_1.publicKey, 'hello', 'zz'.repeat(64))).toBe(false);
    expect(verifier.verify('not-a-key', 'hello', '00'.repeat(64))).toBe(false);
  });

  it('keeps its key cache within its bound', () => {
    const verifier = new SignatureVerifier(2);
    const signature = signMessage(privateKeyFromSeed(RFC8032_KEY_1.seed), 'hello');
    expect(verifier.verify(RFC8032_KEY_1.publicKey, 'hello', signature)).toBe(true);
    for (let i = 0; i < 5; i++) {
      verifier.verify(`${i}`.padStart(64, 'a'), 'hello', signature);
      expect(verifier.cachedKeys).toBe(Math.min(i + 2, 2));
    }
    // Evicted keys come back on demand: verification still works after the cache turned over.
    expect(verifier.verify(RFC8032_KEY_1.publicKey, 'hello', signature)).toBe(true);
    expect(verifier.cachedKeys).toBe(2);
  });
});
