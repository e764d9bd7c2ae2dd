import { NODE_PAGE_DEFAULT, nodeListRequestSchema } from '../../../shared/requests.js';
import { nodeListSchema } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

/** The whole list as before paging existed, or one page of it when `limit` or `after` is given. */
export const listProcedure = publicProcedure
  .input(nodeListRequestSchema)
  .output(nodeListSchema)
  .query(({ ctx, input: { limit, after, ...filter } }) =>
    limit === undefined && after === undefined
      ? ctx.mesh.registry.list(filter)
      : ctx.mesh.registry.page(filter, limit ?? NODE_PAGE_DEFAULT, after),
  );
