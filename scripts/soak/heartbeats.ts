/**
 * Heartbeats from every seeded node at its normal rate: each node once per interval, the nodes
 * spread evenly over it (10,000 nodes every 2 minutes: one heartbeat every 12 ms). Open loop: a
 * slow mesh does not slow the validators down, it only piles up requests in flight (bounded).
 */
import { writeFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { signedHeartbeat } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import { privateKeyFromSeed } from '../../shared/sign.js';
import type { NodeKey } from '../bench/jobs.js';
import { loopbackPool, post, sleep, Tally } from './http.js';
import type { LegitJob, LegitResult } from './jobs.js';

const TICK_MS = 20;
/** More than this many unanswered heartbeats and the next due ones are skipped (and counted) instead of queued. */
const MAX_IN_FLIGHT = 2_000;

/** mesh stores a heartbeat under the time it received it, which its answer tells; '' if it does not. */
function receivedAt(body: string): string {
  try {
    const value = (JSON.parse(body) as { receivedAt?: unknown }).receivedAt;
    return typeof value === 'number' ? String(value) : '';
  } catch {
    return '';
  }
}

/** `giveUp`: aborts the heartbeats still unanswered some time after the end, so the soak ends whatever mesh does. */
export async function sendHeartbeats(
  job: LegitJob,
  keys: readonly NodeKey[],
  giveUp: AbortSignal,
): Promise<LegitResult['heartbeats']> {
  const nodes = keys.map((key) => ({ key, signer: new Signer(privateKeyFromSeed(key.seed)) }));
  const pool = loopbackPool(job.origin, job.localAddress, 32);
  const tally = new Tally();
  const latency = createHistogram({ lowest: 1, highest: 600_000_000, figures: 3 });
  const acked: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let skipped = 0;

  const beat = (node: (typeof nodes)[number]) => {
    const fields = signedHeartbeat(node.signer, { nodeId: node.key.nodeId, tailscaleIP: node.key.ip }, { network: job.network });
    const started = performance.now();
    sent += 1;
    const request = post(pool, '/heartbeat', fields, giveUp).then(
      (answer) => {
        tally.status(answer.status);
        latency.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
        if (answer.status === 200) acked.push(`${fields.nodeId}\t${receivedAt(answer.body)}`);
      },
      (error: unknown) => tally.failure(error, giveUp.aborted),
    );
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  const startedAt = performance.now();
  let due = 0;
  while (performance.now() - startedAt < job.durationMs) {
    const dueNow = Math.floor(((performance.now() - startedAt) * nodes.length) / job.heartbeatIntervalMs);
    for (; due < dueNow; due++) {
      if (inFlight.size >= MAX_IN_FLIGHT) skipped += 1;
      else beat(nodes[due % nodes.length]!);
    }
    await sleep(TICK_MS);
  }
  // The answers still to come are waited for (until giveUp), so every 200 is counted.
  await Promise.all(inFlight);
  await pool.destroy();
  writeFileSync(job.ackedFile, acked.join('\n'));
  const ms = (us: number) => (latency.count === 0 ? Number.NaN : us / 1000);
  return {
    ...tally.counts(),
    sent,
    acked: acked.length,
    skipped,
    latencyMs: { p50: ms(latency.percentile(50)), p99: ms(latency.percentile(99)), max: ms(latency.max) },
  };
}
