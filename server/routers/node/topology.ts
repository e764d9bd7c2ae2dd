import { topologySchema } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

export const topologyProcedure = publicProcedure.output(topologySchema).query(({ ctx }) => ({
  ...ctx.mesh.registry.topology(ctx.mesh.config.network),
  selfPreservation: ctx.mesh.preservation.view(),
}));
