import { removeSovereign } from '../../services/sovereigns.js';
import { signedProcedure } from '../../trpc.js';

export const removeKeyProcedure = signedProcedure('sovereign-remove').mutation(({ ctx, input }) =>
  removeSovereign(ctx.tx, input, ctx.mesh.clock.now()),
);
