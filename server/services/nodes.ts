import { and, count, eq, ne } from 'drizzle-orm';
import type { NodeStatus } from '../../shared/fields.js';
import type { NodeDecisionFields, RegisterFields, SetRegionFields } from '../../shared/requests.js';
import type { NodeResult, RemoveResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import { nodes, services, type NodeRow } from '../../db/schema.js';
import type { AdmissionRecord, EventType } from '../../shared/events.js';
import type { EnrollmentKeyView } from '../../shared/enrollment.js';
import { MeshError } from '../errors.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import { readNodeView } from './node-views.js';

/** Records a change to a node in the events log, with the node as it is now (none once removed). */
export async function recordNodeEvent(
  tx: Tx,
  record: WriteRecord,
  type: EventType,
  node: Pick<NodeRow, 'id' | 'publicKey'>,
  actor: string,
  now: number,
  detail: { admission?: AdmissionRecord | undefined; enrollmentKey?: EnrollmentKeyView | undefined } = {},
) {
  const view = type === 'node.removed' || type === 'node.expired' ? null : await readNodeView(tx, node.id);
  await appendEvent(tx, record, { type, actor, nodeId: node.id, publicKey: node.publicKey, node: view, ...detail }, now);
}

/** What a re-registration can change, to tell an update from a repeat. */
async function addressOf(tx: Tx, nodeId: string): Promise<string> {
  const view = await readNodeView(tx, nodeId);
  return JSON.stringify([view?.tailscale_hostname, view?.tailscale_ip, view?.services, view?.region, view?.zone]);
}

async function findNode(tx: Tx, nodeId: string): Promise<NodeRow | undefined> {
  const [row] = await tx.select().from(nodes).where(eq(nodes.id, nodeId));
  return row;
}

/**
 * The node a signed request was checked against, as it is now, inside the request's transaction:
 * the signature was verified against `signedKey`, so a node removed or re-registered under another
 * key in the meantime must not receive the request.
 */
export async function requireSignedNode(tx: Tx, nodeId: string, signedKey: string): Promise<NodeRow> {
  const node = await findNode(tx, nodeId);
  const refusal = signedNodeRefusal(node, nodeId, signedKey);
  if (refusal) throw refusal;
  return node as NodeRow;
}

/** Why a request signed against `signedKey` may not reach the node as it is now, or null. */
export function signedNodeRefusal(
  node: Pick<NodeRow, 'publicKey'> | undefined,
  nodeId: string,
  signedKey: string,
): MeshError | null {
  if (!node) return new MeshError('NODE_NOT_FOUND', `no node ${nodeId} is registered`);
  if (node.publicKey !== signedKey) {
    return new MeshError('NODE_CHANGED', `node ${nodeId} was re-registered under another key while the request was checked`);
  }
  return null;
}

async function replaceServices(tx: Tx, nodeId: string, list: RegisterFields['services']): Promise<void> {
  await tx.delete(services).where(eq(services.nodeId, nodeId));
  if (list.length === 0) return;
  await tx.insert(services).values(
    list.map((service, position) => ({
      nodeId,
      serviceType: service.type,
      port: service.port,
      publicKey: service.publicKey ?? null,
      position,
    })),
  );
}

/** What bounds registration: at most `maxPending` nodes wait for a decision, each at most `pendingTtlMs`. */
export interface PendingLimits {
  maxPending: number;
  pendingTtlMs: number;
}

/** Refuses a new registration while `maxPending` nodes already wait for a sovereign's decision. */
async function requireRoomForPending(tx: Tx, { maxPending, pendingTtlMs }: PendingLimits): Promise<void> {
  const [row] = await tx.select({ pending: count() }).from(nodes).where(eq(nodes.status, 'pending'));
  if ((row?.pending ?? 0) < maxPending) return;
  throw new MeshError(
    'PENDING_FULL',
    `${maxPending} registrations already await a sovereign's decision (MESH_MAX_PENDING): try again once they are decided, or have expired (${pendingTtlMs} ms after registering)`,
  );
}

/** How the admission policies (server/admission/) admit a registration, decided in its transaction. */
export interface AdmissionDecision {
  status: 'pending' | 'active';
  /** When active: in whose name (an enrollment key's creator). */
  approvedBy?: string;
  /** When an enrollment key approved it: that key, after this use. */
  enrollmentKey?: EnrollmentKeyView;
  record: AdmissionRecord;
}
export type DecideAdmission = (tx: Tx, now: number) => Promise<AdmissionDecision>;

/**
 * A new node starts pending, if there is room (PendingLimits), unless `admit` (the admission
 * policies) approves it at once or refuses it; a node still pending that registers again passes
 * `admit` again. A node registering again with its
 * own key updates its address and services and keeps its status; a nodeId or key held by another
 * registration is refused.
 */
export async function registerNode(
  tx: Tx,
  record: WriteRecord,
  request: RegisterFields,
  now: number,
  limits: PendingLimits,
  admit?: DecideAdmission,
): Promise<NodeResult> {
  const { nodeId, publicKey } = request;
  const existing = await findNode(tx, nodeId);
  if (existing && existing.publicKey !== publicKey) {
    throw new MeshError('NODE_ID_TAKEN', `node ${nodeId} is registered with another public key`);
  }
  if (existing?.status === 'denied') {
    throw new MeshError('NODE_DENIED', `node ${nodeId} is denied: it cannot register again until a sovereign approves it`);
  }
  const [keyHolder] = await tx
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(eq(nodes.publicKey, publicKey), ne(nodes.id, nodeId)));
  if (keyHolder) throw new MeshError('PUBLIC_KEY_TAKEN', `this public key is already registered as node ${keyHolder.id}`);
  const admission = admit && (!existing || existing.status === 'pending') ? await admit(tx, now) : undefined;
  const approved = admission?.status === 'active';
  if (!existing && !approved) await requireRoomForPending(tx, limits);

  const fields = {
    tailscaleHostname: request.tailscaleHostname,
    tailscaleIp: request.tailscaleIP ?? null,
    registrationSignature: request.signature ?? '',
    // A mesh-v1 re-registration declares no location, so it keeps the one on record (perhaps a
    // sovereign's correction); a mesh-v2 one signs both lines, so it sets both.
    ...(request.region || request.zone ? { region: request.region ?? null, zone: request.zone ?? null } : {}),
  };
  const before = existing ? await addressOf(tx, nodeId) : null;
  if (existing) {
    await tx.update(nodes).set(fields).where(eq(nodes.id, nodeId));
  } else {
    await tx.insert(nodes).values({ id: nodeId, publicKey, status: 'pending', registeredAt: now, ...fields });
  }
  await replaceServices(tx, nodeId, request.services);
  const detail = { admission: admission?.record };
  if (!existing) await recordNodeEvent(tx, record, 'node.registered', { id: nodeId, publicKey }, publicKey, now, detail);
  else if ((await addressOf(tx, nodeId)) !== before) await recordNodeEvent(tx, record, 'node.updated', existing, publicKey, now);

  if (admission && approved) {
    const approvedBy = admission.approvedBy ?? publicKey;
    await tx.update(nodes).set({ status: 'active', approvedAt: now, approvedBy }).where(eq(nodes.id, nodeId));
    await recordNodeEvent(tx, record, 'node.approved', { id: nodeId, publicKey }, approvedBy, now, {
      admission: admission.record,
      enrollmentKey: admission.enrollmentKey,
    });
    const through = admission.enrollmentKey ? `enrollment key ${admission.enrollmentKey.id}` : 'the admission policies';
    return {
      success: true,
      nodeId,
      status: 'active',
      message: `Registration approved at once through ${through}. Status: active.`,
    };
  }
  const status: NodeStatus = existing?.status ?? 'pending';
  return {
    success: true,
    nodeId,
    status,
    message: existing ? `Registration updated. Status: ${status}.` : 'Registration successful. Awaiting sovereign approval.',
  };
}

/** A sovereign's decision about one node, whose signature was checked against `nodeKey`. */
type NodeDecision<Result> = (
  tx: Tx,
  record: WriteRecord,
  request: NodeDecisionFields,
  nodeKey: string,
  now: number,
) => Promise<Result>;

/** pending (or denied) becomes active; a node already admitted stays as it is. */
export const approveNode: NodeDecision<NodeResult> = async (tx, record, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  if (node.status === 'active' || node.status === 'offline') {
    return { success: true, nodeId: node.id, status: node.status, message: `Node ${node.id} is already approved.` };
  }
  await tx
    .update(nodes)
    .set({ status: 'active', approvedAt: now, approvedBy: request.approverPublicKey })
    .where(eq(nodes.id, node.id));
  await recordNodeEvent(tx, record, 'node.approved', node, request.approverPublicKey, now);
  return { success: true, nodeId: node.id, status: 'active', message: `Node ${node.id} approved: active.` };
};

export const denyNode: NodeDecision<NodeResult> = async (tx, record, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  if (node.status !== 'denied') {
    await tx.update(nodes).set({ status: 'denied' }).where(eq(nodes.id, node.id));
    await recordNodeEvent(tx, record, 'node.denied', node, request.approverPublicKey, now);
  }
  return { success: true, nodeId: node.id, status: 'denied', message: `Node ${node.id} denied.` };
};

/** Deletes the node with its services and heartbeats; its nodeId may then register afresh. */
export const removeNode: NodeDecision<RemoveResult> = async (tx, record, request, nodeKey, now) => {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  await tx.delete(nodes).where(eq(nodes.id, node.id));
  await recordNodeEvent(tx, record, 'node.removed', node, request.approverPublicKey, now);
  return { success: true, nodeId: node.id, removed: true, message: `Node ${node.id} removed.` };
};

/** A sovereign sets or corrects where a node runs; a node.updated event follows when that changed anything. */
export async function setNodeRegion(
  tx: Tx,
  record: WriteRecord,
  request: SetRegionFields,
  nodeKey: string,
  now: number,
): Promise<NodeResult> {
  const node = await requireSignedNode(tx, request.nodeId, nodeKey);
  const region = request.region ?? null;
  const zone = request.zone ?? null;
  if (node.region !== region || node.zone !== zone) {
    await tx.update(nodes).set({ region, zone }).where(eq(nodes.id, node.id));
    await recordNodeEvent(tx, record, 'node.updated', node, request.approverPublicKey, now);
  }
  const where = region === null && zone === null ? 'no location' : `region ${region ?? '-'}, zone ${zone ?? '-'}`;
  return { success: true, nodeId: node.id, status: node.status, message: `Node ${node.id}: ${where}.` };
}
