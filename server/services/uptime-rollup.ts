import { lt, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { meshUptimeHours, nodeUptimeHours } from '../../db/schema.js';

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

/** Deletes the rollup's hours that ended before `before`: the node's and mesh's alike. */
export async function pruneUptimeRollup(tx: Tx, before: number): Promise<number> {
  const hour = Math.floor(before / HOUR_MS);
  const nodesDeleted = await tx.delete(nodeUptimeHours).where(lt(nodeUptimeHours.hour, hour));
  await tx.delete(meshUptimeHours).where(lt(meshUptimeHours.hour, hour));
  return nodesDeleted.rowsAffected;
}
