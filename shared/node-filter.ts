import type { NodeListFilter } from './requests.js';
import type { NodeView } from './responses.js';

/** The filters of GET /nodes that look at one node alone (an order and a page are about the list). */
export type NodeSelection = Pick<NodeListFilter, 'status' | 'service' | 'region' | 'minReputation'>;

/**
 * Whether a list filter selects the node. Without a status, every node that takes part in the
 * network: denied nodes are listed only when asked for by name. The server's lists and deltas and
 * the client's informer use this one rule, so a node the informer keeps is one a list would show.
 */
export function selectsNode(node: NodeView, filter: NodeSelection): boolean {
  if (filter.status ? node.status !== filter.status : node.status === 'denied') return false;
  if (filter.service && !node.services.some((service) => service.type === filter.service)) return false;
  if (filter.region && node.region !== filter.region) return false;
  return filter.minReputation === undefined || (node.reputation ?? -1) >= filter.minReputation;
}
