import { afterEach, describe, expect, it } from 'vitest';
import { privateKeyFromSeed, signMessage } from '../../shared/sign.js';
import { RFC8032_KEY_1, RFC8032_KEY_2 } from '../../shared/testing/rfc8032.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { silentLogger } from '../log.js';
import { MeshMetrics } from '../metrics/mesh-metrics.js';
import { Scrape } from '../testing/prometheus.js';
import { VerifierPool } from './verify-pool.js';

const waitFor = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

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

  it('reports its threads, its queue and its timings to the metrics', async () => {
    const metrics = new MeshMetrics({ processMetrics: false });
    pool = new VerifierPool(1, silentLogger, undefined, metrics);
    expect(pool.status()).toMatchObject({ threads: 1, queued: 0 });
    await waitFor(() => pool!.status().threadsUp === 1);
    const key = privateKeyFromSeed(RFC8032_KEY_1.seed);
    const burst = Array.from({ length: 20 }, (_, i) => pool!.verify(RFC8032_KEY_1.publicKey, `m${i}`, signMessage(key, `m${i}`)));
    expect(pool.status().queued).toBeGreaterThan(0);
    expect(await Promise.all(burst)).toEqual(burst.map(() => true));
    expect(pool.status().queued).toBe(0);
    const scrape = new Scrape(await metrics.registry.metrics());
    expect(scrape.value('mesh_signature_verifications_total', { where: 'thread' })).toBeGreaterThanOrEqual(19);
    expect(scrape.value('mesh_signature_verifications_total')).toBe(20);
    expect(scrape.value('mesh_signature_verification_duration_seconds', { where: 'thread' })).toBeGreaterThanOrEqual(1);
  });

  it('counts thread restarts', async () => {
    const metrics = new MeshMetrics({ processMetrics: false });
    pool = new VerifierPool(1, silentLogger, new URL('./no-such-worker.mjs', import.meta.url), metrics);
    const restarts = async () => new Scrape(await metrics.registry.metrics()).value('mesh_verify_thread_restarts_total');
    while ((await restarts()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.status().threadsUp).toBe(0);
  });

  it('refuses work once closed', async () => {
    pool = new VerifierPool(1, silentLogger);
    await pool.close();
    await expect(pool.verify(RFC8032_KEY_1.publicKey, 'x', '00'.repeat(64))).rejects.toThrow(/closed/);
  });

  it('verifies on the calling thread while its threads cannot start, and keeps retrying them with a growing pause', async () => {
    const errors: Array<{ message: string; at: number }> = [];
    const broken = new URL('./no-such-worker.mjs', import.meta.url);
    const logger = {
      info: () => {},
      warn: () => {},
      error: (message: string) => errors.push({ message, at: performance.now() }),
    };
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
