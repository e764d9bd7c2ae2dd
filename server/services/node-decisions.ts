import { NODE_DECISION_KINDS, type DecisionOutcome } from '../../shared/decisions.js';
import type { NodeDecisionFields } from '../../shared/requests.js';
import type { KeyRotationResult, NodeResult, RemoveResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import type { NodeRow } from '../../db/schema.js';
import type { WriteRecord } from '../events/write-record.js';
import { enactForcedKeyRotation, requireRotatableNode, type ForcedKeyRotation } from './key-rotation.js';
import { approveNode, denyNode, removeNode, requireSignedNode } from './nodes.js';
import { pendingMessage, withDecision } from './quorum-answers.js';
import { dropDecisionsAbout, recordSovereignDecision, type QuorumRule } from './quorum.js';

/** A sovereign's signed decision about one node, whose signature was checked against `nodeKey`. */
type GatedNodeDecision<Result> = (
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  request: NodeDecisionFields,
  nodeKey: string,
  now: number,
) => Promise<Result>;

/** Signs the decision through the quorum gate; the node, as it is, with the outcome. */
async function signNodeDecision(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  kind: 'approve' | 'deny' | 'remove',
  request: NodeDecisionFields,
  node: NodeRow,
  now: number,
): Promise<DecisionOutcome> {
  return recordSovereignDecision(
    tx,
    record,
    rule,
    { kind, target: node.id, targetKey: node.publicKey, signer: request.approverPublicKey },
    now,
  );
}

/**
 * Approval under MESH_QUORUM: a node already admitted stays as it is (nothing to sign); otherwise
 * it becomes active once the quorum has signed, and stays as it is, with the tally, until then.
 */
export const approveByQuorum: GatedNodeDecision<NodeResult> = async (tx, record, rule, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  if (node.status === 'active' || node.status === 'offline') return approveNode(tx, record, request, nodeKey, now);
  const outcome = await signNodeDecision(tx, record, rule, 'approve', request, node, now);
  if (!outcome.effective) {
    return { success: true, nodeId: node.id, status: node.status, message: pendingMessage(outcome, node.id), decision: outcome };
  }
  return withDecision(await approveNode(tx, record, request, nodeKey, now), outcome, rule);
};

/** Denial under MESH_QUORUM: a node denied already stays so; otherwise as approval. */
export const denyByQuorum: GatedNodeDecision<NodeResult> = async (tx, record, rule, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  if (node.status === 'denied') return denyNode(tx, record, request, nodeKey, now);
  const outcome = await signNodeDecision(tx, record, rule, 'deny', request, node, now);
  if (!outcome.effective) {
    return { success: true, nodeId: node.id, status: node.status, message: pendingMessage(outcome, node.id), decision: outcome };
  }
  return withDecision(await denyNode(tx, record, request, nodeKey, now), outcome, rule);
};

/** Removal under MESH_QUORUM; once removed, the other decisions waiting about the node go with it. */
export const removeByQuorum: GatedNodeDecision<RemoveResult> = async (tx, record, rule, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  const outcome = await signNodeDecision(tx, record, rule, 'remove', request, node, now);
  if (!outcome.effective) {
    return { success: true, nodeId: node.id, removed: false, message: pendingMessage(outcome, node.id), decision: outcome };
  }
  const result = await removeNode(tx, record, request, nodeKey, now);
  await dropDecisionsAbout(tx, record, rule, { kinds: NODE_DECISION_KINDS, id: node.id }, now);
  return withDecision(result, outcome, rule);
};

/**
 * A forced key rotation under MESH_QUORUM: the decision is about the node's current key and names
 * the new key, so it takes effect only once the quorum signed the same new key for the same old one.
 * A rotation that could not take effect (the node denied, the new key taken) is refused before it
 * is signed. Until then the node keeps its key and status, and the answer carries the tally.
 */
export async function forceRotateByQuorum(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  rotation: ForcedKeyRotation,
  now: number,
): Promise<KeyRotationResult> {
  const node = await requireRotatableNode(tx, rotation.nodeId, rotation.oldPublicKey, rotation.newPublicKey);
  const outcome = await recordSovereignDecision(
    tx,
    record,
    rule,
    {
      kind: 'force-rotate',
      target: node.id,
      targetKey: rotation.oldPublicKey,
      value: rotation.newPublicKey,
      signer: rotation.approverPublicKey,
    },
    now,
  );
  if (!outcome.effective) {
    return {
      success: true,
      nodeId: node.id,
      status: node.status,
      publicKey: node.publicKey,
      message: pendingMessage(outcome, `${node.id} onto key ${rotation.newPublicKey}`),
      decision: outcome,
    };
  }
  return withDecision(await enactForcedKeyRotation(tx, record, rule, rotation, now), outcome, rule);
}
