import { enactForcedKeyRotation, forcedKeyRotationOf } from '../../services/key-rotation.js';
import { signedProcedure } from '../../trpc.js';
import { keyRotationResultSchema } from '../../../shared/responses.js';

export const forceRotateKeyProcedure = signedProcedure('force-rotate-key')
  .output(keyRotationResultSchema)
  .mutation(({ ctx, input }) =>
    enactForcedKeyRotation(ctx.tx, ctx.record, forcedKeyRotationOf(input, ctx.signed.subjectKey), ctx.mesh.clock.now()),
  );
