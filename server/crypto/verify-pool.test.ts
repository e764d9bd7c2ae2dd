import { afterEach, describe, expect, it } from 'vitest';
import { privateKeyFromSeed, signMessage } from '../../shared/sign.js';
import { RFC8032_KEY_1, RFC8032_KEY_2 } from '../../shared/testing/rfc8032.js';
import { VerifierPool } from './verify-pool.js';

let pool: VerifierPool | undefined;
afterEach(() => pool?.close());

describe('VerifierPool', () => {
  it('verifies a burst on worker threads, each answer matching its own request', async () => {
    pool = new VerifierPool(2);
    const key = privateKeyFromSeed(RFC8032_KEY_1.seed);
    const requests = Array.from({ length: 300 }, (_, i) => {
      const message = `message ${i}`;
      const signature = signMessage(key, message);
      // Every third request is tampered with: it must come back false, and only it.
      return { message: i % 3 === 0 ? `${message}!` : message, signature, valid: i % 3 !== 0 };
    });
    const results = await Promise.all(requests.map((r) => pool!.verify(RFC8032_KEY_1.publicKey, r.message, r.signature)));
    expect(results).toEqual(requests.map((r) => r.valid));
    expect(await pool.verify(RFC8032_KEY_2.publicKey, 'message 1', requests[1]!.signature)).toBe(false);
    expect(await pool.verify(RFC8032_KEY_1.publicKey, 'x', 'not hex')).toBe(false);
  });

  it('refuses work once closed', async () => {
    pool = new VerifierPool(1);
    await pool.close();
    await expect(pool.verify(RFC8032_KEY_1.publicKey, 'x', '00'.repeat(64))).rejects.toThrow(/closed/);
  });
});
