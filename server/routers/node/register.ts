import { registerNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const registerProcedure = signedProcedure('register')
  .output(nodeResultSchema)
  .mutation(({ ctx, input }) => registerNode(ctx.tx, ctx.record, input, ctx.mesh.clock.now(), ctx.mesh.config));
