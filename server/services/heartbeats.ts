import { inArray, sql } from 'drizzle-orm';
import type { NodeStatus } from '../../shared/fields.js';
import type { HeartbeatFields } from '../../shared/requests.js';
import type { HeartbeatResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import { heartbeats, nodes, type NodeRow } from '../../db/schema.js';
import { recordUptimeMinute } from './uptime-rollup.js';
import { MeshError } from '../errors.js';
import type { WriteRecord } from '../events/write-record.js';
import { recordNodeEvent, signedNodeRefusal } from './nodes.js';
import { acceptTimestamps, replayedTimestamp } from './signer-clock.js';

export interface HeartbeatSubmission {
  request: HeartbeatFields;
  /** The key the signature was verified against: the node's registered key when it was checked. */
  nodeKey: string;
}

export type HeartbeatOutcome = { ok: true; result: HeartbeatResult } | { ok: false; error: MeshError };

/** Why a node may not heartbeat now, or null when it may. */
function refusal(node: Pick<NodeRow, 'publicKey' | 'status'> | undefined, submission: HeartbeatSubmission): MeshError | null {
  const { nodeId } = submission.request;
  const signed = signedNodeRefusal(node, nodeId, submission.nodeKey);
  if (signed) return signed;
  if (node?.status === 'denied')
    return new MeshError(
      'NODE_DENIED',
      `node ${nodeId} is denied: its heartbeats are refused until a sovereign approves it again`,
    );
  return null;
}

/**
 * Records verified heartbeats of distinct keys, all at the server's time `now`, in a handful of
 * statements whatever their number: one read of the nodes, one replay upsert that returns the keys
 * it accepted, one insert of the history rows, one upsert of
 * the uptime rollup, one update of the heartbeat times. Each heartbeat
 * still gets its own answer; one that is refused leaves no row and does not use up its timestamp.
 * A node coming back (offline → active) or moving (a new IP) gets its own update and event.
 */
export async function recordHeartbeats(
  tx: Tx,
  record: WriteRecord,
  batch: readonly HeartbeatSubmission[],
  now: number,
): Promise<HeartbeatOutcome[]> {
  const outcomes: Array<HeartbeatOutcome | undefined> = Array.from({ length: batch.length }, () => undefined);
  const ids = [...new Set(batch.map((submission) => submission.request.nodeId))];
  const rows = await tx
    .select({ id: nodes.id, publicKey: nodes.publicKey, status: nodes.status, tailscaleIp: nodes.tailscaleIp })
    .from(nodes)
    .where(inArray(nodes.id, ids));
  const byId = new Map(rows.map((row) => [row.id, row]));

  const admissible: number[] = [];
  batch.forEach((submission, index) => {
    const error = refusal(byId.get(submission.request.nodeId), submission);
    if (error) outcomes[index] = { ok: false, error };
    else admissible.push(index);
  });

  const accepted = await acceptTimestamps(
    tx,
    admissible.map((index) => {
      const submission = batch[index] as HeartbeatSubmission;
      return { publicKey: submission.nodeKey, timestamp: submission.request.timestamp };
    }),
  );

  const plain: string[] = [];
  const history: Array<typeof heartbeats.$inferInsert> = [];
  for (const index of admissible) {
    const { request, nodeKey } = batch[index] as HeartbeatSubmission;
    if (!accepted.has(nodeKey)) {
      outcomes[index] = { ok: false, error: replayedTimestamp() };
      continue;
    }
    const node = byId.get(request.nodeId) as NonNullable<ReturnType<typeof byId.get>>;
    const ip = request.tailscaleIP ?? node.tailscaleIp;
    const status: NodeStatus = node.status === 'offline' ? 'active' : node.status;
    history.push({ nodeId: node.id, timestamp: now, tailscaleIp: ip });
    outcomes[index] = { ok: true, result: { success: true, nodeId: node.id, status, receivedAt: now } };
    if (status === node.status && ip === node.tailscaleIp) {
      plain.push(node.id);
      record.touches.push({ nodeId: node.id, at: now });
      continue;
    }
    // Coming back and moving are changes peers must hear of; a heartbeat that only proves life is not.
    await tx
      .update(nodes)
      .set({ lastHeartbeat: now, firstSeen: sql`coalesce(${nodes.firstSeen}, ${now})`, tailscaleIp: ip, status })
      .where(sql`${nodes.id} = ${node.id}`);
    await recordNodeEvent(
      tx,
      record,
      status !== node.status ? 'node.online' : 'node.updated',
      { id: node.id, publicKey: nodeKey },
      nodeKey,
      now,
    );
  }
  if (history.length > 0) {
    await tx.insert(heartbeats).values(history);
    await recordUptimeMinute(
      tx,
      history.map((row) => row.nodeId),
      now,
    );
  }
  if (plain.length > 0)
    await tx
      .update(nodes)
      .set({ lastHeartbeat: now, firstSeen: sql`coalesce(${nodes.firstSeen}, ${now})` })
      .where(inArray(nodes.id, plain));
  return outcomes as HeartbeatOutcome[];
}
