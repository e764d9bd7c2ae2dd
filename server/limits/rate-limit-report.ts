import { RATE_LIMITED_SAMPLE, SYSTEM_ACTOR, type RateLimitedSummary } from '../../shared/events.js';
import { appendEvent } from '../events/log.js';
import type { MeshContext } from '../context.js';
import type { Logger } from '../log.js';
import { writeAndPublish } from '../write.js';

/** One mesh.rate-limited event at most per window: a flood of refusals is one write a minute. */
export const RATE_LIMITED_WINDOW_MS = 60_000;

/** Distinct addresses counted per window at most: the rate limiter tracks no more than this either. */
const MAX_COUNTED_ADDRESSES = 10_000;

/**
 * Counts RATE_LIMITED refusals between two reports. The refusal path only bumps a map entry; the
 * event is written later, once per window, by `reportRateLimited`.
 */
export class RateLimitTally {
  readonly #refusalsByAddress = new Map<string, number>();
  #refusals = 0;
  #from: number;

  constructor(now: number) {
    this.#from = now;
  }

  refused(address: string): void {
    this.#refusals += 1;
    const seen = this.#refusalsByAddress.get(address);
    if (seen !== undefined) this.#refusalsByAddress.set(address, seen + 1);
    else if (this.#refusalsByAddress.size < MAX_COUNTED_ADDRESSES) this.#refusalsByAddress.set(address, 1);
  }

  /** The window's summary (null when nothing was refused), and a new window from `now`. */
  take(now: number): RateLimitedSummary | null {
    const from = this.#from;
    this.#from = now;
    if (this.#refusals === 0) return null;
    const sample = [...this.#refusalsByAddress]
      .sort((a, b) => b[1] - a[1])
      .slice(0, RATE_LIMITED_SAMPLE)
      .map(([address]) => address);
    const summary = { from, to: now, addresses: this.#refusalsByAddress.size, refusals: this.#refusals, sample };
    this.#refusalsByAddress.clear();
    this.#refusals = 0;
    return summary;
  }
}

/** Writes the window's mesh.rate-limited event, if anything was refused in it; returns its summary. */
export async function reportRateLimited(mesh: MeshContext): Promise<RateLimitedSummary | null> {
  const now = mesh.clock.now();
  const summary = mesh.rateLimitTally.take(now);
  if (!summary) return null;
  await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
    appendEvent(tx, record, { type: 'mesh.rate-limited', actor: SYSTEM_ACTOR, publicKey: null, rateLimited: summary }, now),
  );
  return summary;
}

/** Reports RATE_LIMITED refusals every RATE_LIMITED_WINDOW_MS; a failed write is logged, not retried. */
export function startRateLimitReports(mesh: MeshContext, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = reportRateLimited(mesh).catch((error: unknown) => logger.error('writing mesh.rate-limited failed', error));
  }, RATE_LIMITED_WINDOW_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
