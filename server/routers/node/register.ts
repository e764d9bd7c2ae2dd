import { registerNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';

export const registerProcedure = signedProcedure('register').mutation(({ ctx, input }) =>
  registerNode(ctx.tx, ctx.record, input, ctx.mesh.clock.now()),
);
