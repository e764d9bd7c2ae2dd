import { denyNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const denyProcedure = signedProcedure('deny')
  .output(nodeResultSchema)
  .mutation(({ ctx, input }) => denyNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()));
