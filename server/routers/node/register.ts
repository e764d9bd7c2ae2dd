import { checkRequestIdentity, identityNote } from '../../identity/request-identity.js';
import { notePendingFullRefusal } from '../../limits/pending-full-refusal.js';
import { AdmissionRefusal, admitBefore, decideWithin } from '../../admission/admission.js';
import { recordAdmissionRefusal } from '../../admission/refusal-record.js';
import { storeIdentityEvidence } from '../../services/identity.js';
import { registerNode } from '../../services/nodes.js';
import { notePendingFreed } from '../../services/pending-full.js';
import { signedProcedureCheckedBefore } from '../../trpc.js';
import { domainErrorOf } from '../../trpc-errors.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const registerProcedure = signedProcedureCheckedBefore(
  'register',
  // tailscaled (MESH_IDENTITY) and the http oracle are asked here, before the write transaction: no
  // write lock waits on them. The identity check comes first: under `required` it refuses alone; its
  // evidence is what the identity policy judges and the http oracle receives (one WhoIs for all).
  async (ctx, input) => {
    const identity = await checkRequestIdentity(
      ctx,
      { id: input.nodeId, publicKey: input.publicKey },
      { tailscaleIP: input.tailscaleIP, hostname: input.tailscaleHostname },
      'register',
    );
    return { identity, admission: await admitBefore(ctx.mesh, input, ctx.remoteAddress, identity) };
  },
  (ctx, error, input) => {
    const refusal = domainErrorOf(error);
    if (refusal?.code === 'PENDING_FULL') return notePendingFullRefusal(ctx.mesh);
    if (refusal instanceof AdmissionRefusal) return recordAdmissionRefusal(ctx.mesh, input, refusal);
    return Promise.resolve();
  },
)
  .output(nodeResultSchema)
  .mutation(async ({ ctx, input }) => {
    const now = ctx.mesh.clock.now();
    const admit = decideWithin(ctx.mesh, input, ctx.before.admission);
    const result = await registerNode(ctx.tx, ctx.record, input, now, ctx.mesh.config, admit);
    // A pending node approved through a key frees its place, as a sovereign's approval would.
    if (result.status === 'active' && (await notePendingFreed(ctx.tx, ctx.record, ctx.mesh.config.maxPending, now))) {
      ctx.mesh.pendingFullNotes.freed();
    }
    const evidence = ctx.before.identity;
    if (!evidence) return result;
    await storeIdentityEvidence(ctx.tx, ctx.record, { id: input.nodeId, publicKey: input.publicKey }, evidence, 'register', now);
    return { ...result, message: result.message + identityNote(evidence) };
  });
