import { SYSTEM_ACTOR, type RateLimitedSummary } from '../../shared/events.js';
import { appendEvent } from '../events/log.js';
import type { MeshContext } from '../context.js';
import type { Logger } from '../log.js';
import { writeAndPublish } from '../write.js';

/** One mesh.rate-limited event at most per window: a flood of refusals is one write a minute. */
export const RATE_LIMITED_WINDOW_MS = 60_000;

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
