import type { NodeDecisionAction } from '../../shared/actions.js';
import { nodeDecisionMessage } from '../../shared/messages.js';
import type { NodeView } from '../../shared/responses.js';
import { api } from './api.js';
import { serverNow } from './live.js';
import type { SovereignKey } from './sovereign-key.js';

/** A decision built and shown before it is signed: what is sent is exactly `message`, signed. */
export interface DraftDecision {
  action: NodeDecisionAction;
  nodeId: string;
  nodePublicKey: string;
  approverPublicKey: string;
  timestamp: number;
  network: string;
  message: string;
}

// mesh accepts each key's timestamps only in increasing order: two decisions in one millisecond
// must still differ.
let lastTimestamp = 0;

export function draftDecision(action: NodeDecisionAction, node: NodeView, key: SovereignKey, network: string): DraftDecision {
  lastTimestamp = Math.max(serverNow(), lastTimestamp + 1);
  const fields = { nodeId: node.id, nodePublicKey: node.public_key.toLowerCase(), timestamp: lastTimestamp };
  return {
    action,
    nodeId: node.id,
    nodePublicKey: fields.nodePublicKey,
    approverPublicKey: key.publicKey,
    timestamp: fields.timestamp,
    network,
    message: nodeDecisionMessage(network, action, fields),
  };
}

export async function sendDecision(draft: DraftDecision, key: SovereignKey): Promise<string> {
  if (key.publicKey !== draft.approverPublicKey) throw new Error('the key changed since this decision was drafted');
  const request = {
    nodeId: draft.nodeId,
    approverPublicKey: draft.approverPublicKey,
    timestamp: draft.timestamp,
    signature: await key.sign(draft.message),
  };
  const result = await api.sovereign[draft.action].mutate(request);
  return result.message;
}
