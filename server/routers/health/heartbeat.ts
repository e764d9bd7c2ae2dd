import { checkMovedNodeIdentity } from '../../identity/request-identity.js';
import { batchedSignedProcedure } from '../../trpc.js';
import { heartbeatResultSchema } from '../../../shared/responses.js';

/**
 * Heartbeats come by the thousand: they are recorded in batches, each answered after its commit.
 * One that moves its node to another IP is first checked against tailscaled (MESH_IDENTITY).
 */
export const heartbeatProcedure = batchedSignedProcedure('heartbeat')
  .output(heartbeatResultSchema)
  .mutation(async ({ ctx, input }) => {
    const keepIdentity = await checkMovedNodeIdentity(ctx, input, ctx.signed.subjectKey);
    const result = await ctx.mesh.heartbeats.submit({ request: input, nodeKey: ctx.signed.subjectKey });
    await keepIdentity?.();
    return result;
  });
