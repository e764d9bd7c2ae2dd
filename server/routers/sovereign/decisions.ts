import { decisionListSchema } from '../../../shared/decisions.js';
import { listPendingDecisions, quorumRule } from '../../services/quorum.js';
import { publicProcedure } from '../../trpc.js';

/** The sovereign decisions waiting for more signatures (MESH_QUORUM), oldest first. */
export const decisionsProcedure = publicProcedure
  .output(decisionListSchema)
  .query(({ ctx }) =>
    ctx.mesh.database.read((db) => listPendingDecisions(db, quorumRule(ctx.mesh.config), ctx.mesh.clock.now())),
  );
