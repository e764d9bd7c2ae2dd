import { approveNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const approveProcedure = signedProcedure('approve')
  .output(nodeResultSchema)
  .mutation(({ ctx, input }) => approveNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()));
