import { registerNode } from '../../services/nodes.js';
import { notePendingFull } from '../../services/pending-full.js';
import { signedProcedureNotingRefusals } from '../../trpc.js';
import { domainErrorOf } from '../../trpc-errors.js';
import type { Context } from '../../context.js';
import { writeAndPublish } from '../../write.js';
import { nodeResultSchema } from '../../../shared/responses.js';

/** A registration refused with PENDING_FULL marks mesh full (once: a mesh.pending-full event), in a write of its own. */
async function afterRefusal(ctx: Context, error: unknown): Promise<void> {
  if (domainErrorOf(error)?.code !== 'PENDING_FULL') return;
  const { mesh } = ctx;
  const now = mesh.clock.now();
  if (!mesh.pendingFullNotes.shouldCheck(now)) return;
  // The client hears PENDING_FULL whatever happens here: a failed write is tried again on the next refusal.
  const full = await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
    notePendingFull(tx, record, mesh.config.maxPending, now),
  ).catch(() => false);
  if (full) mesh.pendingFullNotes.markedFull(now);
}

export const registerProcedure = signedProcedureNotingRefusals('register', afterRefusal)
  .output(nodeResultSchema)
  .mutation(({ ctx, input }) => registerNode(ctx.tx, ctx.record, input, ctx.mesh.clock.now(), ctx.mesh.config));
