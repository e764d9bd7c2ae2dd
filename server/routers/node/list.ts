import { nodeListRequestSchema } from '../../../shared/requests.js';
import type { NodeList } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

export const listProcedure = publicProcedure
  .input(nodeListRequestSchema)
  .query(({ ctx, input }): NodeList => ctx.mesh.registry.list(input));
