import { removeNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';
import { removeResultSchema } from '../../../shared/responses.js';

export const removeNodeProcedure = signedProcedure('remove')
  .output(removeResultSchema)
  .mutation(({ ctx, input }) => removeNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()));
