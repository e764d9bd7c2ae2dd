import { addSovereign } from '../../services/sovereigns.js';
import { signedProcedure } from '../../trpc.js';

export const addProcedure = signedProcedure('sovereign-add').mutation(({ ctx, input }) =>
  addSovereign(ctx.tx, ctx.record, input, ctx.mesh.clock.now()),
);
