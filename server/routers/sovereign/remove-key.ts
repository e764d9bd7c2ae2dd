import { quorumRule } from '../../services/quorum.js';
import { removeSovereignByQuorum } from '../../services/sovereign-decisions.js';
import { signedProcedure } from '../../trpc.js';
import { sovereignResultSchema } from '../../../shared/responses.js';

export const removeKeyProcedure = signedProcedure('sovereign-remove')
  .output(sovereignResultSchema)
  .mutation(({ ctx, input }) =>
    removeSovereignByQuorum(ctx.tx, ctx.record, quorumRule(ctx.mesh.config), input, ctx.mesh.clock.now()),
  );
