import { removeNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';

export const removeProcedure = signedProcedure('remove').mutation(({ ctx, input }) =>
  removeNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()),
);
