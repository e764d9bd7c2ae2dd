import { NODE_DECISION_KINDS } from '../../shared/decisions.js';
import type { NodeDecisionFields } from '../../shared/requests.js';
import type { KeyRotationResult, NodeResult, RemoveResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import type { NodeRow } from '../../db/schema.js';
import type { WriteRecord } from '../events/write-record.js';
import { enactForcedKeyRotation, requireRotatableNode, type ForcedKeyRotation } from './key-rotation.js';
import { approveNode, denyNode, removeNode, requireSignedNode } from './nodes.js';
import { decideByQuorum } from './quorum-answers.js';
import { dropDecisionsAbout, type QuorumRule } from './quorum.js';

/** A sovereign's signed decision about one node, whose signature was checked against `nodeKey`. */
type GatedNodeDecision<Result> = (
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  request: NodeDecisionFields,
  nodeKey: string,
  now: number,
) => Promise<Result>;

/** The signature of `kind` about the node as it is, bound to its current key. */
const nodeSignature = (kind: 'approve' | 'deny' | 'remove', request: NodeDecisionFields, node: NodeRow) => ({
  kind,
  target: node.id,
  targetKey: node.publicKey,
  signer: request.approverPublicKey,
});

/**
 * Approval under MESH_QUORUM: a node already admitted stays as it is (nothing to sign); otherwise
 * it becomes active once the quorum has signed, and stays as it is, with the tally, until then.
 */
export const approveByQuorum: GatedNodeDecision<NodeResult> = async (tx, record, rule, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  if (node.status === 'active' || node.status === 'offline') return approveNode(tx, record, request, nodeKey, now);
  return decideByQuorum(tx, record, rule, nodeSignature('approve', request, node), now, {
    subject: node.id,
    unchanged: { nodeId: node.id, status: node.status },
    apply: () => approveNode(tx, record, request, nodeKey, now),
  });
};

/** Denial under MESH_QUORUM: a node denied already stays so; otherwise as approval. */
export const denyByQuorum: GatedNodeDecision<NodeResult> = async (tx, record, rule, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  if (node.status === 'denied') return denyNode(tx, record, request, nodeKey, now);
  return decideByQuorum(tx, record, rule, nodeSignature('deny', request, node), now, {
    subject: node.id,
    unchanged: { nodeId: node.id, status: node.status },
    apply: () => denyNode(tx, record, request, nodeKey, now),
  });
};

/** Removal under MESH_QUORUM; once removed, the other decisions waiting about the node go with it. */
export const removeByQuorum: GatedNodeDecision<RemoveResult> = async (tx, record, rule, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  return decideByQuorum(tx, record, rule, nodeSignature('remove', request, node), now, {
    subject: node.id,
    unchanged: { nodeId: node.id, removed: false },
    apply: async () => {
      const result = await removeNode(tx, record, request, nodeKey, now);
      await dropDecisionsAbout(tx, record, rule, { kinds: NODE_DECISION_KINDS, id: node.id }, now);
      return result;
    },
  });
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
  const signature = {
    kind: 'force-rotate' as const,
    target: node.id,
    targetKey: rotation.oldPublicKey,
    value: rotation.newPublicKey,
    signer: rotation.approverPublicKey,
  };
  return decideByQuorum(tx, record, rule, signature, now, {
    subject: `${node.id} onto key ${rotation.newPublicKey}`,
    unchanged: { nodeId: node.id, status: node.status, publicKey: node.publicKey },
    apply: () => enactForcedKeyRotation(tx, record, rule, rotation, now),
  });
}
