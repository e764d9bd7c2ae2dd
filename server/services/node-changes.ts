import type { Db } from '../../db/database.js';
import { MAX_DELTA_EVENTS, type NodeChange, type NodeChanges } from '../../shared/node-changes.js';
import type { NodeView } from '../../shared/responses.js';
import { nodesChangedBetween, prunedThrough } from '../events/log.js';
import { aheadOfLogReset } from '../events/reset.js';

export interface NodeSnapshot {
  readonly revision: number;
  getNode(nodeId: string): NodeView | undefined;
}

const reset = (revision: number, reason: string): NodeChanges => ({ revision, reset: true, reason });

/**
 * What changed among the nodes `selects` picks after `sinceRevision`, up to the snapshot's revision:
 * the events log says which nodes changed, the snapshot what they look like now, so a node changed
 * ten times is answered once, and one the filter no longer selects is a delete. A view may be newer
 * than the answer's revision (the snapshot moved on while the log was read): asking again from that
 * revision answers it again, never misses it.
 */
export async function readNodeChanges(
  db: Db,
  snapshot: NodeSnapshot,
  sinceRevision: number,
  selects: (node: NodeView) => boolean,
  maxChanges: number,
): Promise<NodeChanges> {
  const revision = snapshot.revision;
  if (sinceRevision > revision) {
    return reset(revision, aheadOfLogReset(sinceRevision, revision).reason);
  }
  const pruned = await prunedThrough(db);
  if (sinceRevision < pruned) {
    return reset(
      revision,
      `events up to revision ${pruned} have been pruned: list again (GET /nodes?limit=…), then ask for changes from the list's revision`,
    );
  }
  if (revision - sinceRevision > MAX_DELTA_EVENTS) {
    return reset(
      revision,
      `more than ${MAX_DELTA_EVENTS} events since revision ${sinceRevision}: list again (GET /nodes?limit=…), then ask for changes from the list's revision`,
    );
  }
  const changed = await nodesChangedBetween(db, sinceRevision, revision, maxChanges + 1);
  if (changed.length > maxChanges) {
    return reset(
      revision,
      `more than ${maxChanges} nodes changed since revision ${sinceRevision}: list again (GET /nodes?limit=…), then ask for changes from the list's revision`,
    );
  }
  const changes: NodeChange[] = changed.sort().map((id) => {
    const node = snapshot.getNode(id);
    return node && selects(node) ? { op: 'upsert', node } : { op: 'delete', id };
  });
  return { revision, changes };
}
