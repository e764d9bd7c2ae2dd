import { notePendingFullRefusal } from '../../limits/pending-full-refusal.js';
import { registerNode } from '../../services/nodes.js';
import { signedProcedureNotingRefusals } from '../../trpc.js';
import { domainErrorOf } from '../../trpc-errors.js';
import { nodeResultSchema } from '../../../shared/responses.js';

export const registerProcedure = signedProcedureNotingRefusals('register', (ctx, error) =>
  domainErrorOf(error)?.code === 'PENDING_FULL' ? notePendingFullRefusal(ctx.mesh) : Promise.resolve(),
)
  .output(nodeResultSchema)
  .mutation(({ ctx, input }) => registerNode(ctx.tx, ctx.record, input, ctx.mesh.clock.now(), ctx.mesh.config));
