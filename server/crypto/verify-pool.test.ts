import { afterEach, describe, expect, it } from 'vitest';
import { privateKeyFromSeed, signMessage } from '../../shared/sign.js';
import { RFC8032_KEY_1, RFC8032_KEY_2 } from '../../shared/testing/rfc8032.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { silentLogger } from '../log.js';
import { VerifierPool } from './verify-pool.js';

let pool: VerifierPool | undefined;
afterEach(() => pool?.close());

describe('VerifierPool', () => {
  it('verifies a burst on worker threads, each answer matching its own request', async () => {
    pool = new VerifierPool(2, silentLogger);
    const key = privateKeyFromSeed(RFC8032_KEY_1.seed);
    const requests = Array.from({ length: 300 }, (_, i) => {
      const message = `message ${i}`;
      const signature = signMessage(key, message);
      // Every third request is tampered with: it must come back false, and only it.
      return { message: i % 3 === 0 ? `${message}!` : message, signature, valid: i % 3 !== 0 };
    });
    const results = await Promise.all(requests.map((r) => pool!.verify(RFC8032_KEY_1.publicKey, r.message, r.signature)));
    expect(results).toEqual(requests.map((r) => r.valid));
    // Only a lone request is verified on the calling thread: a burst goes to the threads.
    expect(pool.threadVerifications).toBeGreaterThanOrEqual(requests.length - 1);
    expect(await pool.verify(RFC8032_KEY_2.publicKey, 'message 1', requests[1]!.signature)).toBe(false);
    expect(await pool.verify(RFC8032_KEY_1.publicKey, 'x', 'not hex')).toBe(false);
  });

  it('refuses work once closed', async () => {
    pool = new VerifierPool(1, silentLogger);
    await pool.close();
    await expect(pool.verify(RFC8032_KEY_1.publicKey, 'x', '00'.repeat(64))).rejects.toThrow(/closed/);
  });

  it('verifies on the calling thread while its threads cannot start, and keeps retrying them with a growing pause', async () => {
    const errors: Array<{ message: string; at: number }> = [];
    const broken = new URL('./no-such-worker.mjs', import.meta.url);
    const logger = { info: () => {}, error: (message: string) => errors.push({ message, at: performance.now() }) };
    pool = new VerifierPool(1, logger, broken);
    const signature = signMessage(privateKeyFromSeed(RFC8032_KEY_1.seed), 'hello');
    await waitUntil(() => errors.length >= 1, 'the pool to report its thread down');
    expect(await pool.verify(RFC8032_KEY_1.publicKey, 'hello', signature)).toBe(true);
    expect(await pool.verify(RFC8032_KEY_1.publicKey, 'hello!', signature)).toBe(false);
    // The next start comes after the announced pause, not in a crash loop, and the pause after it is longer.
    await waitUntil(() => errors.length >= 2, 'the pool to try its thread again');
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/thread down; restarting it in 500 ms/),
      expect.stringMatching(/thread down; restarting it in 1000 ms/),
    ]);
    // Timers never fire early; 100 ms of slack is for the event loop's cached clock under load.
    expect(errors[1]!.at - errors[0]!.at).toBeGreaterThanOrEqual(400);
  });
});
