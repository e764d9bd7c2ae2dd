import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Tx } from '../db/database.js';
import type { MeshContext } from './context.js';
import type { Logger } from './log.js';
import { pruneHeartbeatBatch } from './services/heartbeat-pruning.js';
import { sweep, type SweepResult } from './services/sweep-pass.js';
import { pruneNodeUptimeHours } from './services/uptime-rollup.js';
import { quorumRule } from './services/quorum.js';
import { refreshUptime, UPTIME_REFRESH_MS, UPTIME_THREAD_FAILED } from './uptime-refresh.js';
import { writeAndPublish } from './write.js';
import { notePendingFreed } from './services/pending-full.js';
import { appendEvent } from './events/log.js';
import { SYSTEM_ACTOR, type RegionConcentrationChange } from '../shared/events.js';
import { FencedWriteError } from './leader/lease.js';

/**
 * One sweeper pass, committed and published. Leader-only: it throws FencedWriteError, having written
 * nothing, when this process does not hold the leader lease at the epoch it believes it does.
 */
export async function sweepOnce(mesh: MeshContext): Promise<PassResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await sweepPass(mesh);
    await pruneAfterPass(mesh, result);
    mesh.metrics.sweepFinished('ok', seconds(), result.wentOffline.length);
    return result;
  } catch (error) {
    mesh.metrics.sweepFinished(error instanceof FencedWriteError ? 'fenced' : 'failed', seconds(), 0);
    throw error;
  }
}

/**
 * What a pass found past its retention, deleted after it (a batch per fenced transaction): the
 * heartbeat rows, counted into `heartbeatsDeleted`, and nodes' uptime hours.
 */
export async function pruneAfterPass(mesh: MeshContext, result: PassResult): Promise<void> {
  if (result.heartbeatsLeftThrough !== null) {
    result.heartbeatsDeleted += await pruneHeartbeatsInBatches(mesh, result.heartbeatsLeftThrough);
    result.heartbeatsLeftThrough = null;
  }
  if (result.uptimeHoursLeftBefore !== null) {
    await pruneUptimeHoursInBatches(mesh, result.uptimeHoursLeftBefore);
    result.uptimeHoursLeftBefore = null;
  }
}

/**
 * The pass proper, without the history pruning that follows it in sweepOnce: its decisions in one
 * fenced transaction, committed, published and settled. The rows past retention it found are left
 * in `heartbeatsLeftThrough` and `uptimeHoursLeftBefore` (sweepOnce deletes them with pruneAfterPass).
 */
export async function sweepPass(mesh: MeshContext): Promise<PassResult> {
  const result = await sweepInTransaction(mesh);
  if (result.decision) mesh.preservation.settle(result.decision, result.now, result.wentOffline.length);
  if (result.regionChange) mesh.regionWatch.settle(result.regionChange);
  return result;
}

/**
 * Deletes the heartbeat rows up to id `edge` a batch per write transaction (pruneInFencedBatches).
 *
 * The rows of a batch are spread over the whole per-node history index, so a batch rewrites about
 * one page per row: hence the checkpoint after each batch.
 */
export function pruneHeartbeatsInBatches(mesh: MeshContext, edge: number, batch?: number): Promise<number> {
  return pruneInFencedBatches(mesh, edge, async (tx, through) => {
    const step = await pruneHeartbeatBatch(tx, through, batch);
    return { deleted: step.deleted, more: step.more, next: through };
  });
}

/**
 * Deletes nodes' uptime hours before `beforeHour` a batch of nodes per write transaction
 * (pruneInFencedBatches): once an hour, at a million nodes, a million rows leave the retention.
 */
export function pruneUptimeHoursInBatches(mesh: MeshContext, beforeHour: number, batch?: number): Promise<number> {
  return pruneInFencedBatches<string | null>(mesh, null, async (tx, after) => {
    const step = await pruneNodeUptimeHours(tx, beforeHour, after, batch);
    return { deleted: step.deleted, more: step.last !== null, next: step.last };
  });
}

/**
 * Runs `batch` from `first` a write transaction at a time, each fenced like the pass, until it says
 * no `more`; returns the rows deleted in all. A turn of the event loop comes before each batch, so
 * the requests queued meanwhile (heartbeats, above all) run between two of them, and the WAL is
 * checkpointed after each batch that deleted anything, so that no checkpoint copies seconds of
 * pruning in one go (the local driver runs it on the main thread, as it runs the batch). `next`,
 * where the following batch starts, is taken only once its batch committed: a write the database
 * retries (busy) runs its batch again from the same place.
 */
async function pruneInFencedBatches<From>(
  mesh: MeshContext,
  first: From,
  batch: (tx: Tx, from: From) => Promise<{ deleted: number; more: boolean; next: From }>,
): Promise<number> {
  let deleted = 0;
  for (let from = first; ;) {
    await nextTurn();
    const at = from;
    const step = await mesh.database.write(mesh.leader.fenced((tx) => batch(tx, at)));
    deleted += step.deleted;
    if (mesh.database.checkpoints && step.deleted > 0) {
      await nextTurn();
      await mesh.database.checkpoints.runOnce();
    }
    if (!step.more) return deleted;
    from = step.next;
  }
}

type PassResult = SweepResult & { now: number; regionChange: RegionConcentrationChange | null };

function sweepInTransaction(mesh: MeshContext): Promise<PassResult> {
  // Fenced first, in the pass's own transaction: a former leader resumed from a pause writes nothing.
  return writeAndPublish(
    mesh.database,
    mesh.hub,
    mesh.leader.fenced(async (tx, record) => {
      const now = mesh.clock.now();
      const suspects = await mesh.registry.silentSinceInTurns(now - mesh.config.offlineAfterMs);
      const result = await sweep(
        tx,
        record,
        now,
        {
          offlineAfterMs: mesh.config.offlineAfterMs,
          heartbeatRetentionMs: mesh.config.heartbeatRetentionMs,
          eventRetentionMs: mesh.config.eventRetentionMs,
          uptimeRetentionMs: mesh.config.uptimeRetentionMs,
          listeningSince: mesh.preservation.listeningSince,
          heartbeatIntervalMs: mesh.config.heartbeatIntervalMs,
          autoDenyAfterMissed: mesh.config.autoDenyAfterMissed,
          pendingTtlMs: mesh.config.pendingTtlMs,
          quorum: quorumRule(mesh.config),
          keepEventsAfter: mesh.hub.oldestCursor() ?? Number.MAX_SAFE_INTEGER,
        },
        suspects,
        mesh.preservation,
      );
      await nextTurn();
      if (result.expired.length > 0 && (await notePendingFreed(tx, record, mesh.config.maxPending, now)))
        mesh.pendingFullNotes.freed();
      // Judged from the snapshot as of the last commit: a node this pass marks offline counts from the next pass on.
      const regionChange = mesh.regionWatch.decide(mesh.registry.regionConcentration());
      if (regionChange) {
        await appendEvent(
          tx,
          record,
          { type: 'mesh.concentration', actor: SYSTEM_ACTOR, publicKey: null, regionConcentration: regionChange },
          now,
        );
      }
      return { ...result, now, regionChange };
    }),
  );
}

/**
 * Runs the sweeper every MESH_SWEEP_INTERVAL_MS while this process leads (see LeaderLease); a failed
 * pass is logged and the next one tries again. Every process refreshes its own uptime figures.
 */
export function startSweeper(mesh: MeshContext, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  let uptimeRefreshedAt = mesh.clock.now();
  let refreshing: Promise<void> | null = null;
  const timer = setInterval(() => {
    // Each pass decides from the self-preservation state the previous one settled: a pass still
    // running when the next is due (a stalled database) is not joined by another.
    if (busy) return;
    busy = true;
    running = (
      mesh.leader.isLeader ? mesh.leader.unlessFenced('health sweep', logger, () => sweepOnce(mesh)) : Promise.resolve(null)
    ).then(
      (result) => {
        if (!result) return;
        if (result.expired.length > 0)
          logger.info(`${result.expired.length} pending registrations expired after ${mesh.config.pendingTtlMs} ms undecided`, {
            nodes: result.expired.length,
          });
        if (result.wentOffline.length > 0)
          logger.info(`${result.wentOffline.length} nodes offline after ${mesh.config.offlineAfterMs} ms of silence`, {
            nodes: result.wentOffline.length,
          });
        if (result.denied.length > 0)
          logger.info(
            `${result.denied.length} nodes denied after ${mesh.config.autoDenyAfterMissed} missed heartbeat intervals`,
            {
              nodes: result.denied.length,
            },
          );
      },
      (error: unknown) => logger.error('health sweep failed', error),
    );
    // After a pass, but not waited for by the next: on a database file the refresh runs on its own
    // thread, and a large lived-in rollup can take it longer than a sweep interval.
    running = running.then(() => {
      if (refreshing || mesh.clock.now() - uptimeRefreshedAt < UPTIME_REFRESH_MS) return;
      uptimeRefreshedAt = mesh.clock.now();
      refreshing = refreshUptime(mesh, (error) => logger.error(UPTIME_THREAD_FAILED, error))
        .catch((error: unknown) => logger.error('uptime refresh failed', error))
        .finally(() => (refreshing = null));
    });
    void running.finally(() => (busy = false));
  }, mesh.config.sweepIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await refreshing;
    },
  };
}
