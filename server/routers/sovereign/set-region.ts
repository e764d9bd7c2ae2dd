import { setNodeRegion } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const setRegionProcedure = signedProcedure('set-region')
  .output(nodeResultSchema)
  .mutation(({ ctx, input }) => setNodeRegion(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()));
