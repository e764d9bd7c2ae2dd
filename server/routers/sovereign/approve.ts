import { notePendingFreed } from '../../services/pending-full.js';
import { approveNode } from '../../services/nodes.js';
import { signedProcedure } from '../../trpc.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const approveProcedure = signedProcedure('approve')
  .output(nodeResultSchema)
  .mutation(async ({ ctx, input }) => {
    const now = ctx.mesh.clock.now();
    const result = await approveNode(ctx.tx, ctx.record, input, ctx.signed.subjectKey, now);
    if (await notePendingFreed(ctx.tx, ctx.record, ctx.mesh.config.maxPending, now)) ctx.mesh.pendingFullNotes.freed();
    return result;
  });
