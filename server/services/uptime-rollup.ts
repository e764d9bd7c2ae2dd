import { and, asc, gt, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { meshUptimeHours, nodes, nodeUptimeHours } from '../../db/schema.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * The rollup's coordinates of a time: its hour since the epoch, and its minute's bit in that hour,
 * as SQL (bits past 2^53 are no safe JavaScript number: SQLite shifts them, and they are read back
 * in halves, see services/uptime.ts).
 */
export function minuteOf(time: number): { hour: number; bit: SQL } {
  const hour = Math.floor(time / HOUR_MS);
  return { hour, bit: sql`(1 << ${Math.floor((time - hour * HOUR_MS) / MINUTE_MS)})` };
}

/**
 * Marks the minute of `now` as seen for each node, in one multi-row upsert: the only statement a
 * heartbeat batch adds for uptime. Ids must be distinct (a batch holds each key once).
 */
export async function recordUptimeMinute(tx: Tx, nodeIds: readonly string[], now: number): Promise<void> {
  if (nodeIds.length === 0) return;
  const { hour, bit } = minuteOf(now);
  await tx
    .insert(nodeUptimeHours)
    .values(nodeIds.map((nodeId) => ({ nodeId, hour, minutes: bit })))
    .onConflictDoUpdate({
      target: [nodeUptimeHours.nodeId, nodeUptimeHours.hour],
      set: { minutes: sql`${nodeUptimeHours.minutes} | excluded.minutes` },
    });
}

/** Marks the minute of `now` as one in which mesh ran: a node's silence then is its own. */
export async function recordMeshUp(tx: Tx, now: number): Promise<void> {
  const { hour, bit } = minuteOf(now);
  await tx
    .insert(meshUptimeHours)
    .values({ hour, minutes: bit })
    .onConflictDoUpdate({ target: meshUptimeHours.hour, set: { minutes: sql`${meshUptimeHours.minutes} | excluded.minutes` } });
}

/**
 * Deletes mesh's own hours that ended before `before`, and says from which hour nodes' hours are
 * then due to go (pruneNodeUptimeHours), or null when none of mesh's hours left.
 *
 * node_uptime_hours has no index on hour (each row is stored once, keyed by node and hour), so its
 * old hours are found node by node through the primary key, a short seek each, which at a million
 * nodes is worth doing only when there is something to delete. Mesh's own hours tell when: a pass
 * writes its hour every time it runs, so one of them leaves the retention whenever an hour mesh ran
 * in does, and a node's hours are only written while mesh runs. A node hour with no mesh hour beside
 * it (mesh up for less than one pass in that hour) goes with the next mesh hour that leaves, as do
 * the hours of a pruning cut short (a crash, or another process taking the lead).
 */
export async function pruneMeshUptimeHours(tx: Tx, before: number): Promise<number | null> {
  const hour = Math.floor(before / HOUR_MS);
  const meshHoursDeleted = await tx.delete(meshUptimeHours).where(lt(meshUptimeHours.hour, hour));
  return meshHoursDeleted.rowsAffected === 0 ? null : hour;
}

/**
 * Nodes whose old hours one transaction deletes at most: at a million nodes the hour leaving the
 * retention is a million rows, a seek and a page rewrite each, which in one statement would hold
 * the write lock (and the event loop, with the synchronous local driver) for seconds.
 */
export const UPTIME_PRUNE_NODES = 2_000;

/**
 * Deletes the hours before `beforeHour` of the next `batch` nodes after node id `after` (from the
 * first node when null), in id order. `last`: the id to continue after, or null when the last node
 * was reached.
 */
export async function pruneNodeUptimeHours(
  tx: Tx,
  beforeHour: number,
  after: string | null,
  batch = UPTIME_PRUNE_NODES,
): Promise<{ deleted: number; last: string | null }> {
  const page = await tx
    .select({ id: nodes.id })
    .from(nodes)
    .where(after === null ? undefined : gt(nodes.id, after))
    .orderBy(asc(nodes.id))
    .limit(batch);
  if (page.length === 0) return { deleted: 0, last: null };
  const deleted = await tx.delete(nodeUptimeHours).where(
    and(
      inArray(
        nodeUptimeHours.nodeId,
        page.map((node) => node.id),
      ),
      lt(nodeUptimeHours.hour, beforeHour),
    ),
  );
  return { deleted: deleted.rowsAffected, last: page.length < batch ? null : (page.at(-1)?.id ?? null) };
}
