import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { latencyOf, measurePropagation, PROPAGATION_POLL_MS } from './figure-propagation.js';
import { stopAllChildren } from './processes.js';
import { propagationRow } from './report-rows.js';

const { dir, cleanup } = tempDir();
afterAll(async () => {
  await stopAllChildren();
  cleanup();
});

describe('propagation across processes (benchmark figure)', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyOf(samples)).toEqual({ count: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(latencyOf([7])).toMatchObject({ count: 1, p50: 7, p99: 7, max: 7 });
  });

  it('is a row of the report: met when nothing was lost and the p99 is within a poll interval plus one same-process answer', () => {
    const figures = (p99: number, lost = 0) => ({ changes: 100, pollMs: 200, latency: latencyOf([10, p99]), lost });
    expect(propagationRow(figures(230), 40)).toMatchObject({
      measured: 'p50 10.0 ms, p99 230 ms',
      limit: '200 ms (MESH_EVENT_POLL_MS)',
      target: 'p99 ≤ MESH_EVENT_POLL_MS + one answer (240 ms)',
      met: true,
    });
    expect(propagationRow(figures(250), 40).met).toBe(false);
    expect(propagationRow(figures(230, 1), 40)).toMatchObject({ measured: 'p50 10.0 ms, p99 230 ms, 1 lost', met: false });
  });

  it('times, at a small size, each registration made on one process until the other streams it', async () => {
    const figures = await measurePropagation(join(dir, 'mesh.db'), 5);
    expect(figures).toMatchObject({ changes: 5, pollMs: PROPAGATION_POLL_MS, lost: 0 });
    expect(figures.latency.count).toBe(5);
    expect(figures.latency.p99).toBeGreaterThanOrEqual(figures.latency.p50);
    expect(Number.isFinite(figures.latency.p99)).toBe(true);
  }, 60_000);
});
