import { and, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvents } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import { readNodeViews } from './node-views.js';
import { lastSignOfLife } from './offline-marks.js';

export interface AutoDenySettings {
  /** MESH_AUTO_DENY_AFTER_MISSED; 0: never. */
  missedIntervals: number;
  heartbeatIntervalMs: number;
  /** Heartbeats mesh could not hear (before it started) are not counted as missed. */
  listeningSince: number;
}

// SQLite takes a bounded number of parameters: long id lists go in chunks.
const CHUNK = 500;

/** Why a node was denied without a sovereign: in its node.denied event, and so in the audit log and the logs. */
export function autoDenyReason(settings: AutoDenySettings): string {
  return `missed ${settings.missedIntervals} heartbeat intervals of ${settings.heartbeatIntervalMs} ms in a row (MESH_AUTO_DENY_AFTER_MISSED)`;
}

/**
 * Offline nodes that have missed `missedIntervals` heartbeat intervals in a row become denied, by
 * `system`, with the reason in their node.denied event. A sovereign can approve them again. The
 * caller never calls this while mesh is in self-preservation or in its start-up grace.
 */
export async function denyLongSilentNodes(
  tx: Tx,
  record: WriteRecord,
  now: number,
  settings: AutoDenySettings,
): Promise<string[]> {
  if (settings.missedIntervals === 0) return [];
  const cutoff = now - settings.missedIntervals * settings.heartbeatIntervalMs;
  if (settings.listeningSince >= cutoff) return [];
  const denied = await tx
    .update(nodes)
    .set({ status: 'denied' })
    .where(and(eq(nodes.status, 'offline'), lt(lastSignOfLife, cutoff)))
    .returning({ id: nodes.id });
  const ids = denied.map((row) => row.id).sort();
  const reason = autoDenyReason(settings);
  for (let start = 0; start < ids.length; start += CHUNK) {
    const views = await readNodeViews(tx, ids.slice(start, start + CHUNK));
    await appendEvents(
      tx,
      record,
      views.map((node) => ({
        type: 'node.denied' as const,
        actor: SYSTEM_ACTOR,
        nodeId: node.id,
        publicKey: node.public_key,
        node,
        reason,
      })),
      now,
    );
  }
  return ids;
}
