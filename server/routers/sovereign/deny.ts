import { denyNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';

export const denyProcedure = signedProcedure('deny').mutation(({ ctx, input }) =>
  denyNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()),
);
