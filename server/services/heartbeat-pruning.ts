import { asc, gte, lte, max, min } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { heartbeats } from '../../db/schema.js';

/**
 * Heartbeat rows one statement deletes at most. At 1,000,000 nodes beating every two minutes some
 * 250,000 rows fall out of the window between two sweeps: deleting them in one statement would hold
 * the write lock (and, with a synchronous driver, the event loop) for the whole range, so they go a
 * batch per transaction, heartbeats committing in between. Each row costs about 10 µs and one page
 * of the per-node index rewritten: a batch this size, and the checkpoint after it, each stay well
 * under 50 ms.
 */
export const HEARTBEAT_PRUNE_BATCH = 1_000;

/**
 * The newest heartbeat row older than `before`. Rows are written at the server's time in commit
 * order, so their ids grow with their timestamps: a binary search over ids finds the edge in a few
 * dozen primary-key lookups, with no index on timestamp to keep up on every heartbeat.
 */
export async function lastHeartbeatIdBefore(tx: Tx, before: number): Promise<number | null> {
  // Two statements: SQLite answers a lone min() or max() from one end of the primary key, but both
  // in one statement scan the whole table (a million-row index walk at scale).
  const [lowest] = await tx.select({ id: min(heartbeats.id) }).from(heartbeats);
  const [highest] = await tx.select({ id: max(heartbeats.id) }).from(heartbeats);
  let low = lowest?.id ?? null;
  let high = highest?.id ?? null;
  let found: number | null = null;
  while (low !== null && high !== null && low <= high) {
    const middle = Math.floor((low + high) / 2);
    const [row] = await tx
      .select({ id: heartbeats.id, timestamp: heartbeats.timestamp })
      .from(heartbeats)
      .where(gte(heartbeats.id, middle))
      .orderBy(asc(heartbeats.id))
      .limit(1);
    if (!row || row.timestamp >= before) {
      high = middle - 1;
    } else {
      found = row.id;
      low = row.id + 1;
    }
  }
  return found;
}

/**
 * Deletes the oldest heartbeat rows up to id `edge`, at most `batch` ids of them, as one range of the
 * primary key. `more`: rows up to the edge remain for another batch.
 */
export async function pruneHeartbeatBatch(
  tx: Tx,
  edge: number,
  batch = HEARTBEAT_PRUNE_BATCH,
): Promise<{ deleted: number; more: boolean }> {
  const [bounds] = await tx.select({ oldest: min(heartbeats.id) }).from(heartbeats);
  const oldest = bounds?.oldest ?? null;
  if (oldest === null || oldest > edge) return { deleted: 0, more: false };
  const through = Math.min(edge, oldest + batch - 1);
  const result = await tx.delete(heartbeats).where(lte(heartbeats.id, through));
  return { deleted: result.rowsAffected, more: through < edge };
}
