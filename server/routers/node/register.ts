import { checkRequestIdentity, identityNote } from '../../identity/request-identity.js';
import { notePendingFullRefusal } from '../../limits/pending-full-refusal.js';
import { storeIdentityEvidence } from '../../services/identity.js';
import { registerNode } from '../../services/nodes.js';
import { signedProcedurePrepared } from '../../trpc.js';
import { domainErrorOf } from '../../trpc-errors.js';
import { nodeResultSchema } from '../../../shared/responses.js';

/** The Tailscale identity check (MESH_IDENTITY) asks tailscaled before the write transaction opens. */
export const registerProcedure = signedProcedurePrepared(
  'register',
  (ctx, input) =>
    checkRequestIdentity(
      ctx,
      { id: input.nodeId, publicKey: input.publicKey },
      { tailscaleIP: input.tailscaleIP, hostname: input.tailscaleHostname },
      'register',
    ),
  (ctx, error) => (domainErrorOf(error)?.code === 'PENDING_FULL' ? notePendingFullRefusal(ctx.mesh) : Promise.resolve()),
)
  .output(nodeResultSchema)
  .mutation(async ({ ctx, input }) => {
    const now = ctx.mesh.clock.now();
    const result = await registerNode(ctx.tx, ctx.record, input, now, ctx.mesh.config);
    const evidence = ctx.prepared;
    if (!evidence) return result;
    await storeIdentityEvidence(ctx.tx, ctx.record, { id: input.nodeId, publicKey: input.publicKey }, evidence, 'register', now);
    return { ...result, message: result.message + identityNote(evidence) };
  });
