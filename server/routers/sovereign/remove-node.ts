import { notePendingFreed } from '../../services/pending-full.js';
import { removeByQuorum } from '../../services/node-decisions.js';
import { quorumRule } from '../../services/quorum.js';
import { signedProcedure } from '../../trpc.js';
import { removeResultSchema } from '../../../shared/responses.js';

export const removeNodeProcedure = signedProcedure('remove')
  .output(removeResultSchema)
  .mutation(async ({ ctx, input }) => {
    const now = ctx.mesh.clock.now();
    const result = await removeByQuorum(ctx.tx, ctx.record, quorumRule(ctx.mesh.config), input, ctx.signed.subjectKey, now);
    if (await notePendingFreed(ctx.tx, ctx.record, ctx.mesh.config.maxPending, now)) ctx.mesh.pendingFullNotes.freed();
    return result;
  });
