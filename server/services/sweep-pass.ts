import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Tx } from '../../db/database.js';
import { pruneEvents } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import type { OfflineDecision } from '../self-preservation.js';
import { denyLongSilentNodes } from './auto-deny.js';
import { lastHeartbeatIdBefore } from './heartbeat-pruning.js';
import { markSilentNodesOffline, type OfflineGate } from './offline-marks.js';
import { expirePending } from './pending-expiry.js';
import { sweepDecisions, type QuorumRule } from './quorum.js';
import { pruneMeshUptimeHours, recordMeshUp } from './uptime-rollup.js';

export interface SweepSettings {
  offlineAfterMs: number;
  heartbeatRetentionMs: number;
  eventRetentionMs: number;
  uptimeRetentionMs: number;
  /** Events after this revision are kept whatever their age: a connected watcher still has to read them. */
  keepEventsAfter: number;
  /**
   * Since when this mesh hears heartbeats (its start, or the end of a self-preservation): nobody is
   * marked offline or denied before it has had a full threshold to hear them.
   */
  listeningSince: number;
  heartbeatIntervalMs: number;
  /** MESH_AUTO_DENY_AFTER_MISSED; 0: never. */
  autoDenyAfterMissed: number;
  /** A registration still pending this long after it was made is removed, with a node.expired event. */
  pendingTtlMs: number;
  /** MESH_QUORUM: sovereign signatures that stopped counting are cleared, with decision.expired events. */
  quorum: QuorumRule;
}

export interface SweepResult {
  wentOffline: string[];
  expired: string[];
  denied: string[];
  /** What the self-preservation gate decided, to be settled once the pass committed; null in the grace. */
  decision: OfflineDecision | null;
  /** Always 0 from the pass itself: the caller adds what it deletes from heartbeatsLeftThrough. */
  heartbeatsDeleted: number;
  /**
   * Heartbeat rows up to this id are past their retention, to be deleted a batch per transaction
   * after the pass (never in it: at scale they are a quarter of a million rows); null: none.
   */
  heartbeatsLeftThrough: number | null;
  eventsPruned: number;
  /**
   * Nodes' uptime hours before this hour are past their retention, to be deleted a batch of nodes
   * per transaction after the pass, as the heartbeat rows are; null: none are due.
   */
  uptimeHoursLeftBefore: number | null;
}

/**
 * One pass of the health sweeper: active nodes silent for the offline threshold become offline,
 * with one node.offline event each, as many as self-preservation (`gate`) allows; offline nodes
 * silent for MESH_AUTO_DENY_AFTER_MISSED heartbeat intervals become denied, but never while mesh
 * preserves itself or drains (nor in a pass that changes either); events past their retention are
 * deleted; the minute is recorded as one mesh ran in, and mesh's own uptime hours past their
 * retention are deleted. The heartbeat rows and nodes' uptime hours past their retention are only
 * found: the caller deletes them in batches. An approval counts as a sign of life, so a node just
 * admitted has a full threshold to send its first heartbeat.
 *
 * `suspects` are the nodes the discovery snapshot believes silent: finding them in memory spares a
 * scan of every active row; their silence is checked again in SQL.
 *
 * The local driver runs each statement synchronously, so the pass lets the event loop turn between
 * its steps (and its steps between their chunks): requests are parsed and reads answered meanwhile,
 * while writes wait in the write queue behind the pass's transaction as they always did.
 */
export async function sweep(
  tx: Tx,
  record: WriteRecord,
  now: number,
  settings: SweepSettings,
  suspects: readonly string[],
  gate: OfflineGate,
): Promise<SweepResult> {
  let wentOffline: string[] = [];
  let denied: string[] = [];
  let decision: OfflineDecision | null = null;
  if (now - settings.listeningSince >= settings.offlineAfterMs) {
    ({ wentOffline, decision } = await markSilentNodesOffline(tx, record, now, now - settings.offlineAfterMs, suspects, gate));
    if (decision.change === null && decision.next.kind === 'normal') {
      await nextTurn();
      denied = await denyLongSilentNodes(tx, record, now, {
        missedIntervals: settings.autoDenyAfterMissed,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        listeningSince: settings.listeningSince,
      });
    }
  }
  await nextTurn();
  const expired = await expirePending(tx, record, now, now - settings.pendingTtlMs);
  await nextTurn();
  await sweepDecisions(tx, record, settings.quorum, now);
  await nextTurn();
  const edge = await lastHeartbeatIdBefore(tx, now - settings.heartbeatRetentionMs);
  const eventsPruned = await pruneEvents(tx, now - settings.eventRetentionMs, settings.keepEventsAfter);
  // Each pass is mesh's proof that it ran this minute: nodes are not blamed for minutes it did not.
  await recordMeshUp(tx, now);
  await nextTurn();
  const uptimeHoursLeftBefore = await pruneMeshUptimeHours(tx, now - settings.uptimeRetentionMs);
  return {
    wentOffline,
    expired,
    denied,
    decision,
    heartbeatsDeleted: 0,
    heartbeatsLeftThrough: edge,
    eventsPruned,
    uptimeHoursLeftBefore,
  };
}
