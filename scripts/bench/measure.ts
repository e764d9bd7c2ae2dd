/**
 * One figure's load: wait for a quiet machine, run the job in a fresh load generator, sample the
 * server's and the machine's CPU while the clock runs. Also the job shapes every figure uses.
 */
import type { EventsResult, FixedHttpJob, HeartbeatJob, LoadResult } from './jobs.js';
import { cpuMeter, waitForQuiet, type CpuShares } from './proc-stats.js';
import { runLoad, type LoadHooks, type StartedProcess } from './processes.js';
import { CONNECTIONS, DURATION_MS, NETWORK, PRESIGNED, progress, WARMUP_MS } from './settings.js';

export interface Measured<R> {
  result: R;
  /** CPU of the server process and of the whole machine while the clock ran, in cores. */
  cpu: CpuShares;
  window: { start: number; end: number };
}

export const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '?');
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

/** At most this long in all is spent waiting for a quiet machine before figures. */
let quietBudgetMs = 60_000;
/** The figures that started on a busy machine, for the report's notes. */
export const noisyFigures: string[] = [];

export async function load<R extends LoadResult | EventsResult>(
  server: StartedProcess,
  job: Parameters<typeof runLoad>[0],
  timeoutMs?: number,
  /** More samples to take when the clock starts and stops (per-thread CPU). */
  extraHooks: LoadHooks = {},
): Promise<Measured<R>> {
  const quiet = await waitForQuiet({ maxMs: Math.min(15_000, quietBudgetMs) });
  quietBudgetMs -= quiet.waitedMs;
  if (quiet.busy >= 0.25) {
    noisyFigures.push(`${job.label} (the machine was still ${cores(quiet.busy)} cores busy when it started)`);
    progress(`machine busy (${cores(quiet.busy)} cores) before ${job.label}: measuring anyway`);
  }
  const meter = cpuMeter(server.pid);
  const window = { start: 0, end: 0 };
  const result = await runLoad<R>(
    job,
    {
      onMeasuring() {
        window.start = nowMicros();
        meter.onMeasuring?.();
        extraHooks.onMeasuring?.();
      },
      onMeasured() {
        window.end = nowMicros();
        meter.onMeasured?.();
        extraHooks.onMeasured?.();
      },
    },
    timeoutMs,
  ).catch(async (error: unknown) => {
    // The loader may notice a dead server before this process has reaped it: give the exit a moment.
    if (server.child.exitCode === null && server.child.signalCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const { exitCode, signalCode } = server.child;
    const state = exitCode === null && signalCode === null ? 'was still running' : `had exited (${signalCode ?? exitCode})`;
    throw new Error(
      `${(error as Error).message}\nthe server (pid ${server.pid}) ${state}; its last output:\n${server.output().trim().slice(-3_000)}`,
      {
        cause: error,
      },
    );
  });
  return { result, cpu: meter.shares(), window };
}

export function httpJob(
  label: string,
  origin: string,
  fields: Partial<FixedHttpJob> & Pick<FixedHttpJob, 'method' | 'path'>,
): FixedHttpJob {
  return {
    kind: 'http',
    label,
    origin,
    headers: {},
    expectStatus: 200,
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    maxRequests: 5_000_000,
    ...fields,
  };
}

export function heartbeatJob(kind: HeartbeatJob['kind'], origin: string, keysFile: string, minTimestamp: number): HeartbeatJob {
  return {
    kind,
    label: kind === 'heartbeat-rest' ? 'heartbeats REST' : 'heartbeats tRPC',
    origin,
    keysFile,
    network: NETWORK,
    minTimestamp,
    connections: CONNECTIONS,
    // The signed write path (and the tRPC client) take longer to warm up than a bare answer.
    warmupMs: 2 * WARMUP_MS,
    durationMs: DURATION_MS,
    maxRequests: PRESIGNED,
  };
}

/** Pre-signing takes a few seconds before the clock starts: the loader's time limit allows for it. */
export const HEARTBEAT_TIMEOUT_MS = 100_000;
