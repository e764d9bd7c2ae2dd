/** What the orchestrator watches while the traffic runs: mesh's resident memory and how fast /health answers. */
import { memory } from '../bench/proc-stats.js';
import { fetchOnce } from '../bench/servers.js';
import { errorCode } from './http.js';
import type { MemorySample } from './verdict.js';

export interface HealthSample {
  atMs: number;
  ms: number;
  /** The status, or the error code when no answer came. */
  outcome: string;
}

/** Calls `sample` every `everyMs` (and once at once) until stopped; returns the stop function. */
function every(everyMs: number, sample: () => void): () => void {
  sample();
  const timer = setInterval(sample, everyMs);
  return () => clearInterval(timer);
}

export function sampleMemory(pid: number, startedAt: number, everyMs: number, samples: MemorySample[]): () => void {
  return every(everyMs, () => {
    try {
      samples.push({ atMs: performance.now() - startedAt, rssBytes: memory(pid).rss });
    } catch {
      // mesh is gone: the run notices its exit and reports it
    }
  });
}

/**
 * GET /health every `everyMs`, each on a fresh connection and without waiting for the previous
 * answer, so a stalled mesh shows as slow samples rather than as missing ones.
 */
export function sampleHealth(origin: string, startedAt: number, everyMs: number, samples: HealthSample[]): () => Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const stop = every(everyMs, () => {
    const atMs = performance.now() - startedAt;
    const started = performance.now();
    const probe = fetchOnce(origin, '/health', {}, 10_000).then(
      (answer) => void samples.push({ atMs, ms: performance.now() - started, outcome: String(answer.status) }),
      (error: unknown) => {
        const timedOut = error instanceof Error && error.message.includes('timed out');
        samples.push({ atMs, ms: performance.now() - started, outcome: timedOut ? 'no answer in 10 s' : errorCode(error) });
      },
    );
    inFlight.add(probe);
    void probe.finally(() => inFlight.delete(probe));
  });
  return async () => {
    stop();
    await Promise.all(inFlight);
  };
}
