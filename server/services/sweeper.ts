import { and, eq, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { heartbeats, nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvent, pruneEvents } from '../events/log.js';
import { readNodeView } from '../registry/node-views.js';

export interface SweepSettings {
  offlineAfterMs: number;
  heartbeatRetentionMs: number;
  eventRetentionMs: number;
  /** Events after this revision are kept whatever their age: a connected watcher still has to read them. */
  keepEventsAfter: number;
  /** When this mesh process started: nobody is marked offline before it has had a full threshold to hear them. */
  startedAt: number;
}

export interface SweepResult {
  wentOffline: string[];
  heartbeatsDeleted: number;
  eventsPruned: number;
}

/**
 * One pass of the health sweeper: active nodes silent for the offline threshold become offline,
 * with one node.offline event each, and heartbeat rows and events past their retention are deleted. An approval counts as a sign of life, so a
 * node just admitted has a full threshold to send its first heartbeat.
 */
export async function sweep(tx: Tx, now: number, settings: SweepSettings): Promise<SweepResult> {
  let wentOffline: string[] = [];
  if (now - settings.startedAt >= settings.offlineAfterMs) {
    const cutoff = now - settings.offlineAfterMs;
    const lastSignOfLife = sql`max(coalesce(${nodes.lastHeartbeat}, 0), coalesce(${nodes.approvedAt}, 0))`;
    const rows = await tx
      .update(nodes)
      .set({ status: 'offline' })
      .where(and(eq(nodes.status, 'active'), lt(lastSignOfLife, cutoff)))
      .returning({ id: nodes.id, publicKey: nodes.publicKey });
    for (const row of rows) {
      const node = await readNodeView(tx, row.id);
      await appendEvent(tx, { type: 'node.offline', actor: SYSTEM_ACTOR, nodeId: row.id, publicKey: row.publicKey, node }, now);
    }
    wentOffline = rows.map((row) => row.id);
  }
  const deleted = await tx.delete(heartbeats).where(lt(heartbeats.timestamp, now - settings.heartbeatRetentionMs));
  const eventsPruned = await pruneEvents(tx, now - settings.eventRetentionMs, settings.keepEventsAfter);
  return { wentOffline, heartbeatsDeleted: deleted.rowsAffected, eventsPruned };
}
