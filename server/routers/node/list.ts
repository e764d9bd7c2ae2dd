import { nodeListRequestSchema } from '../../../shared/requests.js';
import { nodeListSchema } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

export const listProcedure = publicProcedure
  .input(nodeListRequestSchema)
  .output(nodeListSchema)
  .query(({ ctx, input }) => ctx.mesh.registry.list(input));
