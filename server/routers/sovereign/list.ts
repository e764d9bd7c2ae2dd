import type { SovereignList } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

export const listSovereignsProcedure = publicProcedure.query(({ ctx }): SovereignList => ({
  sovereigns: ctx.mesh.registry.sovereigns(),
}));
