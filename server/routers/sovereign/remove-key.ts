import { removeSovereign } from '../../services/sovereigns.js';
import { signedProcedure } from '../../trpc.js';
import { sovereignResultSchema } from '../../../shared/responses.js';

export const removeKeyProcedure = signedProcedure('sovereign-remove')
  .output(sovereignResultSchema)
  .mutation(({ ctx, input }) => removeSovereign(ctx.tx, ctx.record, input, ctx.mesh.clock.now()));
