import { forcedKeyRotationOf } from '../../services/key-rotation.js';
import { forceRotateByQuorum } from '../../services/node-decisions.js';
import { quorumRule } from '../../services/quorum.js';
import { signedProcedure } from '../../trpc.js';
import { keyRotationResultSchema } from '../../../shared/responses.js';

export const forceRotateKeyProcedure = signedProcedure('force-rotate-key')
  .output(keyRotationResultSchema)
  .mutation(({ ctx, input }) =>
    forceRotateByQuorum(
      ctx.tx,
      ctx.record,
      quorumRule(ctx.mesh.config),
      forcedKeyRotationOf(input, ctx.signed.subjectKey),
      ctx.mesh.clock.now(),
    ),
  );
