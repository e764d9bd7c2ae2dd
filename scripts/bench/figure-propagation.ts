/**
 * Propagation across processes: two mesh processes on one SQLite file; a registration acknowledged
 * by the first, and the time until the second's event stream delivers it. The second learns of it
 * only by polling the events log (MESH_EVENT_POLL_MS), so this is the delay a watcher connected to
 * another process than the writer's sees.
 */

import { newEd25519Key } from '../../shared/sign.js';
import { signedRegister } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import { readSseFrames } from '../../client/sse.js';
import type { Latency } from './jobs.js';
import { stopChild } from './processes.js';
import { postOnce, startMesh, type RunningServer } from './servers.js';
import { NETWORK } from './settings.js';

/** mesh's default, which the figure is measured at. */
export const PROPAGATION_POLL_MS = 200;

export interface PropagationFigures {
  changes: number;
  pollMs: number;
  /** From the writer's 200 to the event on the other process's stream, of the changes that arrived. */
  latency: Latency;
  /** Changes that did not arrive within the time allowed each. */
  lost: number;
}

/** mesh on `dbPath`, polling the events log at PROPAGATION_POLL_MS. */
function startOn(dbPath: string): Promise<RunningServer> {
  return startMesh(dbPath, [], {
    MESH_EVENT_POLL_MS: String(PROPAGATION_POLL_MS),
    // One source address registers every node: the figure is about propagation, not the rate limit.
    MESH_RATE_LIMIT_PER_MINUTE: '1000000',
    MESH_RATE_LIMIT_BURST: '1000000',
    MESH_MAX_PENDING: '1000000',
  });
}

/** Nearest-rank percentiles of `samples` (milliseconds). */
export function latencyOf(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0 ? Number.NaN : (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);
  const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { count: sorted.length, mean, p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1) ?? Number.NaN };
}

/**
 * Starts two mesh processes on `dbPath` (a new file), makes `changes` registrations on the first,
 * one at a time, and times each from its 200 to its node.registered on the second's SSE stream.
 */
export async function measurePropagation(dbPath: string, changes: number, changeTimeoutMs = 5_000): Promise<PropagationFigures> {
  const writer = await startOn(dbPath);
  let reader: RunningServer | undefined;
  const stream = new AbortController();
  try {
    reader = await startOn(dbPath);
    const arrivals = new Map<string, number>();
    let wake: (() => void) | undefined;
    const response = await fetch(`${reader.origin}/events?types=node.registered`, { signal: stream.signal });
    const reading = (async () => {
      for await (const frame of readSseFrames(response.body as AsyncIterable<Uint8Array>)) {
        const { nodeId } = JSON.parse(frame.data) as { nodeId: string };
        arrivals.set(nodeId, performance.now());
        wake?.();
      }
    })().catch(() => undefined);

    const delays: number[] = [];
    let lost = 0;
    for (let i = 0; i < changes; i++) {
      const nodeId = `propagation-${i}`;
      const signer = new Signer(newEd25519Key());
      const body = signedRegister(signer, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: NETWORK });
      const status = await postOnce(writer.origin, '/register', body);
      const acknowledged = performance.now();
      if (status !== 200) throw new Error(`registering ${nodeId} answered ${status}`);
      const deadline = acknowledged + changeTimeoutMs;
      while (!arrivals.has(nodeId) && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(0, deadline - performance.now())).unref();
        });
      }
      const arrived = arrivals.get(nodeId);
      if (arrived === undefined) lost += 1;
      else delays.push(Math.max(0, arrived - acknowledged));
    }
    stream.abort();
    await reading;
    return { changes, pollMs: PROPAGATION_POLL_MS, latency: latencyOf(delays), lost };
  } finally {
    stream.abort();
    if (reader) await stopChild(reader.child);
    await stopChild(writer.child);
  }
}
