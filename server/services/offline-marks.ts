import { setImmediate as nextTurn } from 'node:timers/promises';
import { and, count, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvent, appendEvents } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import type { OfflineDecision } from '../self-preservation.js';
import { readNodeViews } from './node-views.js';

/** Decides, from the figures of one pass, how many silent nodes may go offline (see SelfPreservationGate). */
export interface OfflineGate {
  decide(now: number, activeNodes: number, silentNodes: number): OfflineDecision;
}

// SQLite takes a bounded number of parameters: long id lists go in chunks.
const CHUNK = 500;

/** A node's last sign of life: its last heartbeat, or its approval, which gives a new node a full threshold. */
export const lastSignOfLife = sql<number>`max(coalesce(${nodes.lastHeartbeat}, 0), coalesce(${nodes.approvedAt}, 0))`;

/**
 * `status = 'active'` that SQLite may not answer from nodes_status_idx (the unary plus). With a long
 * id list beside it, the planner otherwise walks every active row through that index (a million at
 * scale: 400 ms a statement) instead of looking the listed ids up by primary key.
 */
const stillActive = eq(sql`+${nodes.status}`, 'active');

/**
 * The suspects that are active and silent since before `cutoff` in the database, silent longest
 * first. The discovery snapshot that named them can only be behind the database (a heartbeat taken
 * by another mesh process), never ahead of it, so each one's silence is checked here.
 */
async function silentNodes(tx: Tx, suspects: readonly string[], cutoff: number): Promise<string[]> {
  const silent: Array<{ id: string; since: number }> = [];
  for (let start = 0; start < suspects.length; start += CHUNK) {
    // A turn of the event loop between two synchronous statements (see sweep()).
    await nextTurn();
    const rows = await tx
      .select({ id: nodes.id, since: lastSignOfLife })
      .from(nodes)
      .where(and(inArray(nodes.id, suspects.slice(start, start + CHUNK)), stillActive, lt(lastSignOfLife, cutoff)));
    silent.push(...rows);
  }
  return silent.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1)).map((node) => node.id);
}

async function countActive(tx: Tx): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(nodes).where(eq(nodes.status, 'active'));
  return row?.n ?? 0;
}

/**
 * Marks offline the active nodes silent since before `cutoff`, as many as `gate` allows, with one
 * node.offline event each, and a mesh.self-preservation event when the gate changes state.
 */
export async function markSilentNodesOffline(
  tx: Tx,
  record: WriteRecord,
  now: number,
  cutoff: number,
  suspects: readonly string[],
  gate: OfflineGate,
): Promise<{ wentOffline: string[]; decision: OfflineDecision }> {
  const silent = await silentNodes(tx, suspects, cutoff);
  await nextTurn();
  const decision = gate.decide(now, await countActive(tx), silent.length);
  if (decision.change) {
    await appendEvent(
      tx,
      record,
      { type: 'mesh.self-preservation', actor: SYSTEM_ACTOR, publicKey: null, selfPreservation: decision.change },
      now,
    );
  }
  const chosen = silent.slice(0, decision.allowed);
  for (let start = 0; start < chosen.length; start += CHUNK) {
    const ids = chosen.slice(start, start + CHUNK);
    await nextTurn();
    await tx
      .update(nodes)
      .set({ status: 'offline' })
      .where(and(inArray(nodes.id, ids), stillActive));
    await nextTurn();
    const views = await readNodeViews(tx, ids);
    const offline = views.map((node) => ({
      type: 'node.offline' as const,
      actor: SYSTEM_ACTOR,
      nodeId: node.id,
      publicKey: node.public_key,
      node,
    }));
    await nextTurn();
    await appendEvents(tx, record, offline, now);
  }
  return { wentOffline: chosen, decision };
}
