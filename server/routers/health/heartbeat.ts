import { batchedSignedProcedure } from '../../trpc.js';
import { heartbeatResultSchema } from '../../../shared/responses.js';

/** Heartbeats come by the thousand: they are recorded in batches, each answered after its commit. */
export const heartbeatProcedure = batchedSignedProcedure('heartbeat')
  .output(heartbeatResultSchema)
  .mutation(({ ctx, input }) => ctx.mesh.heartbeats.submit({ request: input, nodeKey: ctx.signed.subjectKey }));
