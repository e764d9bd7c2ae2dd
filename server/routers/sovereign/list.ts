import { sovereignListSchema } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

export const listSovereignsProcedure = publicProcedure.output(sovereignListSchema).query(({ ctx }) => ({
  sovereigns: ctx.mesh.registry.sovereigns(),
}));
