/**
 * Signed heartbeats over REST, sustained (60 s in a full run), from real keys: 1,000 hot keys (the
 * reference of the same run) and a sample spread over the whole million. The CPU is split between
 * mesh's main thread, its verification thread(s), its other threads and the load generator.
 */
import type { LoadResult } from './jobs.js';
import { heartbeatJob, load, type Measured } from './measure.js';
import { threadCpuMeter, type ThreadSplit } from './proc-stats.js';
import { formatCount, formatMs, formatRate } from './report.js';
import type { RunningServer } from './servers.js';
import { MILLION_HEARTBEAT_MS, MILLION_WARMUP_MS, progress } from './settings.js';

export interface HeartbeatRun {
  keys: number;
  measured: Measured<LoadResult>;
  threads: ThreadSplit | null;
  presigned: number;
}

/** mesh's default on this machine (MESH_VERIFY_THREADS): one thread fewer than the cores, at most 4. */
export const VERIFY_THREADS = 1;

export async function sustainedHeartbeats(
  mesh: RunningServer,
  keysFile: string,
  keys: number,
  options: { minTimestamp: number; presigned: number; label: string },
): Promise<HeartbeatRun> {
  progress(
    `${options.label}: ${formatCount(keys)} keys, pre-signing ${formatCount(options.presigned)}, then ${MILLION_HEARTBEAT_MS / 1000} s`,
  );
  const threads = threadCpuMeter(mesh.pid, VERIFY_THREADS);
  const job = {
    ...heartbeatJob('heartbeat-rest', mesh.origin, keysFile, options.minTimestamp),
    label: options.label,
    warmupMs: MILLION_WARMUP_MS,
    durationMs: MILLION_HEARTBEAT_MS,
    maxRequests: options.presigned,
  };
  const measured = await load<LoadResult>(mesh, job, 300_000 + 2 * job.durationMs + 2 * job.maxRequests, threads);
  const { result } = measured;
  progress(
    `${options.label}: ${formatRate(result.rate)}, p99 ${formatMs(result.latency.p99)}, statuses ${JSON.stringify(result.statuses)}` +
      (result.errorSample ? `, first error ${result.errorSample.slice(0, 200)}` : ''),
  );
  return { keys, measured, threads: threads.split(), presigned: options.presigned };
}

/** Enough pre-signed heartbeats for `rate` through warm-up and measurement. */
export function presignFor(rate: number): number {
  return Math.ceil((rate * (MILLION_WARMUP_MS + MILLION_HEARTBEAT_MS)) / 1000);
}
