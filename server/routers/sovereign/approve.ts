import { approveNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';

export const approveProcedure = signedProcedure('approve').mutation(({ ctx, input }) =>
  approveNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()),
);
