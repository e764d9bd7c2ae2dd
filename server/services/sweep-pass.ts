import { and, asc, eq, gte, inArray, lt, lte, max, min, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { heartbeats, nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvents, pruneEvents } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import { readNodeViews } from './node-views.js';

export interface SweepSettings {
  offlineAfterMs: number;
  heartbeatRetentionMs: number;
  eventRetentionMs: number;
  /** Events after this revision are kept whatever their age: a connected watcher still has to read them. */
  keepEventsAfter: number;
  /** When this mesh process started: nobody is marked offline before it has had a full threshold to hear them. */
  startedAt: number;
  /** A registration still pending this long after it was made is removed, with a node.expired event. */
  pendingTtlMs: number;
}

export interface SweepResult {
  wentOffline: string[];
  expired: string[];
  heartbeatsDeleted: number;
  eventsPruned: number;
}

/**
 * The newest heartbeat row older than `before`. Rows are written at the server's time in commit
 * order, so their ids grow with their timestamps: a binary search over ids finds the edge in a few
 * dozen primary-key lookups, with no index on timestamp to keep up on every heartbeat.
 */
async function lastHeartbeatIdBefore(tx: Tx, before: number): Promise<number | null> {
  const [bounds] = await tx.select({ low: min(heartbeats.id), high: max(heartbeats.id) }).from(heartbeats);
  let low = bounds?.low ?? null;
  let high = bounds?.high ?? null;
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

/** Deletes the heartbeat history older than `before`, as one range of ids. */
async function pruneHeartbeats(tx: Tx, before: number): Promise<{ rowsAffected: number }> {
  const edge = await lastHeartbeatIdBefore(tx, before);
  if (edge === null) return { rowsAffected: 0 };
  return tx.delete(heartbeats).where(lte(heartbeats.id, edge));
}

// SQLite takes a bounded number of parameters: long id lists go in chunks.
const CHUNK = 500;

/**
 * Removes the registrations still pending that were made before `registeredBefore`: nobody decided
 * on them, and each holds a place under MESH_MAX_PENDING. One node.expired event each, by `system`;
 * the node may register again (its agent does so when its heartbeat meets NODE_NOT_FOUND).
 */
async function expirePending(tx: Tx, record: WriteRecord, now: number, registeredBefore: number): Promise<string[]> {
  const rows = await tx
    .delete(nodes)
    .where(and(eq(nodes.status, 'pending'), lt(nodes.registeredAt, registeredBefore)))
    .returning({ id: nodes.id, publicKey: nodes.publicKey });
  const events = rows.map((row) => ({
    type: 'node.expired' as const,
    actor: SYSTEM_ACTOR,
    nodeId: row.id,
    publicKey: row.publicKey,
    node: null,
  }));
  for (let start = 0; start < events.length; start += CHUNK)
    await appendEvents(tx, record, events.slice(start, start + CHUNK), now);
  return rows.map((row) => row.id);
}

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
export async function sweep(
  tx: Tx,
  record: WriteRecord,
  now: number,
  settings: SweepSettings,
  suspects: readonly string[],
): Promise<SweepResult> {
  const wentOffline: string[] = [];
  if (now - settings.startedAt >= settings.offlineAfterMs) {
    const cutoff = now - settings.offlineAfterMs;
    const lastSignOfLife = sql`max(coalesce(${nodes.lastHeartbeat}, 0), coalesce(${nodes.approvedAt}, 0))`;
    for (let start = 0; start < suspects.length; start += CHUNK) {
      const rows = await tx
        .update(nodes)
        .set({ status: 'offline' })
        .where(
          and(inArray(nodes.id, suspects.slice(start, start + CHUNK)), eq(nodes.status, 'active'), lt(lastSignOfLife, cutoff)),
        )
        .returning({ id: nodes.id });
      wentOffline.push(...rows.map((row) => row.id));
    }
    for (let start = 0; start < wentOffline.length; start += CHUNK) {
      const views = await readNodeViews(tx, wentOffline.slice(start, start + CHUNK));
      const offline = views.map((node) => ({
        type: 'node.offline' as const,
        actor: SYSTEM_ACTOR,
        nodeId: node.id,
        publicKey: node.public_key,
        node,
      }));
      await appendEvents(tx, record, offline, now);
    }
  }
  const expired = await expirePending(tx, record, now, now - settings.pendingTtlMs);
  const deleted = await pruneHeartbeats(tx, now - settings.heartbeatRetentionMs);
  const eventsPruned = await pruneEvents(tx, now - settings.eventRetentionMs, settings.keepEventsAfter);
  return { wentOffline, expired, heartbeatsDeleted: deleted.rowsAffected, eventsPruned };
}
