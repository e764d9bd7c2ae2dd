import { removeSovereign } from '../../services/sovereigns.js';
import { signedProcedure } from '../../trpc.js';

export const removeKeyProcedure = signedProcedure('sovereign-remove').mutation(({ ctx, input }) =>
  removeSovereign(ctx.tx, ctx.record, input, ctx.mesh.clock.now()),
);
