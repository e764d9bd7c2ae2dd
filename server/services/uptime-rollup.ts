import { and, inArray, lt, sql, type SQL } from 'drizzle-orm';
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
 * Deletes the rollup's hours that ended before `before`: the node's and mesh's alike.
 *
 * node_uptime_hours has no index on hour (each row is stored once, keyed by node and hour), so its
 * old hours are found node by node through the primary key, a short seek each, which at a million
 * nodes is worth doing only when there is something to delete. Mesh's own hours tell when: a pass
 * writes its hour every time it runs, so one of them leaves the retention whenever an hour mesh ran
 * in does, and a node's hours are only written while mesh runs. A node hour with no mesh hour beside
 * it (mesh up for less than one pass in that hour) goes with the next mesh hour that leaves.
 */
export async function pruneUptimeRollup(tx: Tx, before: number): Promise<number> {
  const hour = Math.floor(before / HOUR_MS);
  const meshHoursDeleted = await tx.delete(meshUptimeHours).where(lt(meshUptimeHours.hour, hour));
  if (meshHoursDeleted.rowsAffected === 0) return 0;
  const nodesDeleted = await tx
    .delete(nodeUptimeHours)
    .where(and(inArray(nodeUptimeHours.nodeId, tx.select({ id: nodes.id }).from(nodes)), lt(nodeUptimeHours.hour, hour)));
  return nodesDeleted.rowsAffected;
}
