import { and, eq, ne } from 'drizzle-orm';
import { NODE_DECISION_KINDS } from '../../shared/decisions.js';
import type { ForceRotateKeyFields, RotateKeyFields } from '../../shared/requests.js';
import type { KeyRotationResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import { nodes, type NodeRow } from '../../db/schema.js';
import { MeshError } from '../errors.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import { requireSignedNode } from './nodes.js';
import { readNodeView } from './node-views.js';
import { dropDecisionsAbout, type QuorumRule } from './quorum.js';

/**
 * The node whose key `oldKey` may be replaced by `newKey`, as it is now in the transaction: it
 * still has `oldKey` (the signatures were checked against it), is not denied, and `newKey` is a
 * new key no other node holds.
 */
export async function requireRotatableNode(tx: Tx, nodeId: string, oldKey: string, newKey: string): Promise<NodeRow> {
  const node = await requireSignedNode(tx, nodeId, oldKey);
  if (node.status === 'denied') {
    throw new MeshError('NODE_DENIED', `node ${nodeId} is denied: its key cannot change until a sovereign approves it again`);
  }
  if (newKey === oldKey) throw new MeshError('INVALID_INPUT', `invalid input: newPublicKey is the key node ${nodeId} has now`);
  const [holder] = await tx
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(eq(nodes.publicKey, newKey), ne(nodes.id, nodeId)));
  if (holder) throw new MeshError('PUBLIC_KEY_TAKEN', `this public key is already registered as node ${holder.id}`);
  return node;
}

/**
 * The event, and the end of what was signed about the old key: a decision waiting under
 * MESH_QUORUM is bound to the key it names, so it decides nothing about the new one.
 */
async function recordKeyRotation(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  node: Pick<NodeRow, 'id'>,
  rotation: { oldPublicKey: string; newPublicKey: string; forced: boolean },
  actor: string,
  now: number,
): Promise<void> {
  await appendEvent(
    tx,
    record,
    {
      type: 'node.key_rotated',
      actor,
      nodeId: node.id,
      publicKey: rotation.newPublicKey,
      node: await readNodeView(tx, node.id),
      keyRotation: rotation,
    },
    now,
  );
  await dropDecisionsAbout(tx, record, rule, { kinds: NODE_DECISION_KINDS, id: node.id, keepKey: rotation.newPublicKey }, now);
}

/**
 * A node moves onto a new key it proved it holds: its status, approval, services, location and
 * history stay as they are; only the key changes, so the old key's requests are refused from now on.
 */
export async function rotateNodeKey(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  request: RotateKeyFields,
  oldKey: string,
  now: number,
): Promise<KeyRotationResult> {
  const node = await requireRotatableNode(tx, request.nodeId, oldKey, request.newPublicKey);
  await tx.update(nodes).set({ publicKey: request.newPublicKey }).where(eq(nodes.id, node.id));
  await recordKeyRotation(
    tx,
    record,
    rule,
    node,
    { oldPublicKey: oldKey, newPublicKey: request.newPublicKey, forced: false },
    oldKey,
    now,
  );
  return {
    success: true,
    nodeId: node.id,
    status: node.status,
    publicKey: request.newPublicKey,
    message: `Node ${node.id} now signs with key ${request.newPublicKey}. Status: ${node.status}.`,
  };
}

/**
 * A sovereign's decision to replace a node's lost key, as signed: the request's fields, and the
 * key the node had when the sovereign signed (`oldPublicKey`), which the decision is bound to.
 */
export type ForcedKeyRotation = Pick<ForceRotateKeyFields, 'nodeId' | 'newPublicKey' | 'approverPublicKey'> & {
  oldPublicKey: string;
};

export function forcedKeyRotationOf(request: ForceRotateKeyFields, nodeKey: string): ForcedKeyRotation {
  return {
    nodeId: request.nodeId,
    oldPublicKey: nodeKey,
    newPublicKey: request.newPublicKey,
    approverPublicKey: request.approverPublicKey,
  };
}

/**
 * A sovereign's forced rotation taking effect: at once under MESH_QUORUM=1, otherwise once enough
 * sovereigns signed the same decision (forceRotateByQuorum). Nobody proved holding the new key,
 * so the node goes back to pending under it and needs a sovereign's approval (bound to the new
 * key) again. Its pending time counts from now: MESH_PENDING_TTL_MS applies as to a new
 * registration. Services, location and history stay.
 */
export async function enactForcedKeyRotation(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  decision: ForcedKeyRotation,
  now: number,
): Promise<KeyRotationResult> {
  const node = await requireRotatableNode(tx, decision.nodeId, decision.oldPublicKey, decision.newPublicKey);
  await tx
    .update(nodes)
    .set({ publicKey: decision.newPublicKey, status: 'pending', approvedAt: null, approvedBy: null, registeredAt: now })
    .where(eq(nodes.id, node.id));
  await recordKeyRotation(
    tx,
    record,
    rule,
    node,
    { oldPublicKey: decision.oldPublicKey, newPublicKey: decision.newPublicKey, forced: true },
    decision.approverPublicKey,
    now,
  );
  return {
    success: true,
    nodeId: node.id,
    status: 'pending',
    publicKey: decision.newPublicKey,
    message: `Node ${node.id} now has key ${decision.newPublicKey} and is pending: approve it again once its holder is known.`,
  };
}
