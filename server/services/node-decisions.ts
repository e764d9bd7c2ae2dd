import { NODE_DECISION_KINDS, type DecisionOutcome } from '../../shared/decisions.js';
import type { NodeDecisionFields } from '../../shared/requests.js';
import type { NodeResult, RemoveResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import type { NodeRow } from '../../db/schema.js';
import type { WriteRecord } from '../events/write-record.js';
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
