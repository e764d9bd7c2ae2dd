import type { Topology } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

export const topologyProcedure = publicProcedure.query(({ ctx }): Topology =>
  ctx.mesh.registry.topology(ctx.mesh.config.network),
);
