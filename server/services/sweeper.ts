import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { heartbeats, nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvent, pruneEvents } from '../events/log.js';
import { readNodeViews } from '../registry/node-views.js';

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

// SQLite takes a bounded number of parameters: long id lists go in chunks.
const CHUNK = 500;

/**
 * One pass of the health sweeper: active nodes silent for the offline threshold become offline,
 * with one node.offline event each, and heartbeat rows and events past their retention are deleted.
 * An approval counts as a sign of life, so a node just admitted has a full threshold to send its
 * first heartbeat.
 *
 * `suspects` are the nodes the discovery snapshot believes silent: finding them in memory spares a
 * scan of every active row. The snapshot can only be behind the database (a heartbeat taken by
 * another mesh process), never ahead of it, so the update re-checks each suspect's silence in SQL
 * and nobody alive is marked offline.
 */
export async function sweep(tx: Tx, now: number, settings: SweepSettings, suspects: readonly string[]): Promise<SweepResult> {
  const wentOffline: string[] = [];
  if (now - settings.startedAt >= settings.offlineAfterMs) {
    const cutoff = now - settings.offlineAfterMs;
    const lastSignOfLife = sql`max(coalesce(${nodes.lastHeartbeat}, 0), coalesce(${nodes.approvedAt}, 0))`;
    for (let start = 0; start < suspects.length; start += CHUNK) {
      const rows = await tx
        .update(nodes)
        .set({ status: 'offline' })
        .where(and(inArray(nodes.id, suspects.slice(start, start + CHUNK)), eq(nodes.status, 'active'), lt(lastSignOfLife, cutoff)))
        .returning({ id: nodes.id });
      wentOffline.push(...rows.map((row) => row.id));
    }
    for (let start = 0; start < wentOffline.length; start += CHUNK) {
      for (const node of await readNodeViews(tx, wentOffline.slice(start, start + CHUNK))) {
        await appendEvent(tx, { type: 'node.offline', actor: SYSTEM_ACTOR, nodeId: node.id, publicKey: node.public_key, node }, now);
      }
    }
  }
  const deleted = await tx.delete(heartbeats).where(lt(heartbeats.timestamp, now - settings.heartbeatRetentionMs));
  const eventsPruned = await pruneEvents(tx, now - settings.eventRetentionMs, settings.keepEventsAfter);
  return { wentOffline, heartbeatsDeleted: deleted.rowsAffected, eventsPruned };
}
