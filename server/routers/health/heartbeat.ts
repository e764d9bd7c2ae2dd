import { recordHeartbeat } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';

export const heartbeatProcedure = signedProcedure('heartbeat').mutation(({ ctx, input }) =>
  recordHeartbeat(ctx.tx, input, ctx.signed.subjectKey, ctx.clock.now()),
);
