import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Db, Tx } from '../../db/database.js';
import { nodeIdentities, type NodeIdentityRow } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import {
  identityEvidenceSchema,
  type IdentityChange,
  type IdentityChecked,
  type IdentityEvidence,
} from '../../shared/identity.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import { readNodeView } from './node-views.js';

/** The node a check is about: the one registering, or the one heartbeating. */
export interface CheckedNode {
  id: string;
  publicKey: string;
}

function evidenceOf(row: NodeIdentityRow): IdentityEvidence {
  return identityEvidenceSchema.parse({
    result: row.result,
    code: row.code,
    reason: row.reason,
    peerAddress: row.peerAddress,
    stableId: row.stableId,
    nodeKey: row.nodeKey,
    name: row.nodeName,
    tags: JSON.parse(row.tags) as unknown,
    user: row.userLogin,
    checkedAt: row.checkedAt,
  });
}

/** The node's last identity check, or null when it was never checked. */
export async function readNodeIdentity(db: Db | Tx, nodeId: string): Promise<IdentityEvidence | null> {
  const [row] = await db.select().from(nodeIdentities).where(eq(nodeIdentities.nodeId, nodeId));
  return row ? evidenceOf(row) : null;
}

/**
 * Whether the address answered to WhoIs as another Tailscale node at its last stored check (of this
 * mesh node or of another that held the address): a machine replaced behind a known address.
 */
async function identityChangeOf(tx: Tx, evidence: IdentityEvidence): Promise<IdentityChange | null> {
  if (evidence.stableId === null) return null;
  const [previous] = await tx
    .select({ nodeId: nodeIdentities.nodeId, stableId: nodeIdentities.stableId })
    .from(nodeIdentities)
    .where(and(eq(nodeIdentities.peerAddress, evidence.peerAddress), isNotNull(nodeIdentities.stableId)))
    .orderBy(desc(nodeIdentities.checkedAt))
    .limit(1);
  if (!previous?.stableId || previous.stableId === evidence.stableId) return null;
  return {
    peerAddress: evidence.peerAddress,
    previousStableId: previous.stableId,
    stableId: evidence.stableId,
    previousNodeId: previous.nodeId,
  };
}

async function appendIdentityEvents(
  tx: Tx,
  record: WriteRecord,
  node: CheckedNode,
  checked: IdentityChecked,
  change: IdentityChange | null,
  now: number,
): Promise<void> {
  const view = await readNodeView(tx, node.id);
  const about = { actor: SYSTEM_ACTOR, nodeId: node.id, publicKey: node.publicKey, node: view };
  if (change) await appendEvent(tx, record, { type: 'node.identity-changed', ...about, identityChange: change }, now);
  await appendEvent(tx, record, { type: 'node.identity', ...about, identity: checked }, now);
}

/**
 * Keeps a check with the node (it must exist, in this transaction), replacing the previous one,
 * and records it in the events log: a node.identity event, after a node.identity-changed one when
 * the address answered as another Tailscale node before.
 */
export async function storeIdentityEvidence(
  tx: Tx,
  record: WriteRecord,
  node: CheckedNode,
  evidence: IdentityEvidence,
  request: IdentityChecked['request'],
  now: number,
): Promise<void> {
  const change = await identityChangeOf(tx, evidence);
  const row = {
    result: evidence.result,
    code: evidence.code,
    reason: evidence.reason,
    peerAddress: evidence.peerAddress,
    stableId: evidence.stableId,
    nodeKey: evidence.nodeKey,
    nodeName: evidence.name,
    tags: JSON.stringify(evidence.tags),
    userLogin: evidence.user,
    checkedAt: evidence.checkedAt,
  };
  await tx
    .insert(nodeIdentities)
    .values({ nodeId: node.id, ...row })
    .onConflictDoUpdate({ target: nodeIdentities.nodeId, set: row });
  await appendIdentityEvents(tx, record, node, { evidence, decision: 'recorded', request }, change, now);
}

/**
 * Records a request MESH_IDENTITY=required refused, in a write of its own (the refused request's
 * left nothing): the node keeps its previous evidence, the events log gets the check.
 */
export async function recordIdentityRefusal(
  tx: Tx,
  record: WriteRecord,
  node: CheckedNode,
  evidence: IdentityEvidence,
  request: IdentityChecked['request'],
  now: number,
): Promise<void> {
  const change = await identityChangeOf(tx, evidence);
  await appendIdentityEvents(tx, record, node, { evidence, decision: 'refused', request }, change, now);
}
