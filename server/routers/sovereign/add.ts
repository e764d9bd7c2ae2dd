import { addSovereign } from '../../services/sovereigns.js';
import { signedProcedure } from '../../trpc.js';
import { sovereignResultSchema } from '../../../shared/responses.js';

export const addProcedure = signedProcedure('sovereign-add')
  .output(sovereignResultSchema)
  .mutation(({ ctx, input }) => addSovereign(ctx.tx, ctx.record, input, ctx.mesh.clock.now()));
