import { quorumRule } from '../../services/quorum.js';
import { addSovereignByQuorum } from '../../services/sovereign-decisions.js';
import { signedProcedure } from '../../trpc.js';
import { sovereignResultSchema } from '../../../shared/responses.js';

export const addProcedure = signedProcedure('sovereign-add')
  .output(sovereignResultSchema)
  .mutation(({ ctx, input }) =>
    addSovereignByQuorum(ctx.tx, ctx.record, quorumRule(ctx.mesh.config), input, ctx.mesh.clock.now()),
  );
