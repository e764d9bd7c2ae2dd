import { eq } from 'drizzle-orm';
import { nodes, signerClocks } from '../../db/schema.js';
import type { IdentityChecked, IdentityEvidence } from '../../shared/identity.js';
import type { HeartbeatFields } from '../../shared/requests.js';
import type { Context } from '../context.js';
import { MeshError } from '../errors.js';
import { recordIdentityRefusal, storeIdentityEvidence, type CheckedNode } from '../services/identity.js';
import { writeAndPublish } from '../write.js';
import { checkTailscaleIdentity } from './check.js';

/**
 * Checks the Tailscale identity behind a request when MESH_IDENTITY is on (null when it is off),
 * using the TCP peer address of the request's own socket. Under `required`, anything but a match
 * (an error to ask included) is recorded in the events log and refused with 403 and the code of
 * the failed check; under `advisory`, the evidence is returned for the caller to keep with the node.
 */
export async function checkRequestIdentity(
  ctx: Context,
  node: CheckedNode,
  claim: { tailscaleIP: string | null | undefined; hostname: string },
  request: IdentityChecked['request'],
): Promise<IdentityEvidence | null> {
  const { mesh } = ctx;
  const settings = mesh.config.identity;
  if (settings.mode === 'off') return null;
  const evidence = await checkTailscaleIdentity(
    settings,
    { peerAddress: ctx.remoteAddress, peerPort: ctx.remotePort, ...claim },
    () => mesh.clock.now(),
  );
  if (settings.mode === 'required' && evidence.result !== 'match') {
    // The refusal stands whether or not its record could be written: never admit on an error.
    await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
      recordIdentityRefusal(tx, record, node, evidence, request, mesh.clock.now()),
    ).catch(() => undefined);
    throw new MeshError(
      evidence.code ?? 'IDENTITY_UNAVAILABLE',
      `Tailscale identity check failed (MESH_IDENTITY=required): ${evidence.reason}`,
    );
  }
  return evidence;
}

/** A line for the answer to a registration that was checked: the node learns what mesh found. */
export function identityNote(evidence: IdentityEvidence | null): string {
  if (!evidence) return '';
  return evidence.result === 'match'
    ? ' Tailscale identity: match.'
    : ` Tailscale identity: ${evidence.result} (${evidence.code ?? '?'}): ${evidence.reason}.`;
}

/**
 * A heartbeat that moves its node to another IP is checked as a registration is, against the
 * hostname on record; one that keeps the IP (or names none) is not. Returns what to keep once the
 * heartbeat is accepted, or null.
 */
export async function checkMovedNodeIdentity(
  ctx: Context,
  request: HeartbeatFields,
  nodeKey: string,
): Promise<(() => Promise<void>) | null> {
  if (ctx.mesh.config.identity.mode === 'off' || !request.tailscaleIP) return null;
  const known = ctx.mesh.registry.getNode(request.nodeId);
  if (!known || known.public_key !== nodeKey || known.tailscale_ip === request.tailscaleIP) return null;
  // A replayed heartbeat is refused by its batch anyway: asking tailscaled about it would let whoever
  // captured one fill the events log with refusals.
  const [clock] = await ctx.mesh.database.read((db) =>
    db.select({ last: signerClocks.lastTimestamp }).from(signerClocks).where(eq(signerClocks.publicKey, nodeKey)),
  );
  if (clock && clock.last >= request.timestamp) return null;
  const node = { id: request.nodeId, publicKey: nodeKey };
  const evidence = await checkRequestIdentity(
    ctx,
    node,
    { tailscaleIP: request.tailscaleIP, hostname: known.tailscale_hostname },
    'heartbeat',
  );
  if (!evidence) return null;
  const { mesh } = ctx;
  return () =>
    writeAndPublish(mesh.database, mesh.hub, async (tx, record) => {
      // Kept only while the node is still the one that heartbeated (not removed or re-registered since).
      const [row] = await tx.select({ publicKey: nodes.publicKey }).from(nodes).where(eq(nodes.id, node.id));
      if (row?.publicKey === nodeKey) await storeIdentityEvidence(tx, record, node, evidence, 'heartbeat', mesh.clock.now());
    });
}
