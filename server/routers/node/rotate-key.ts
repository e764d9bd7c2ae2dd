import { rotateNodeKey } from '../../services/key-rotation.js';
import { quorumRule } from '../../services/quorum.js';
import { signedProcedure } from '../../trpc.js';
import { keyRotationResultSchema } from '../../../shared/responses.js';

/** Signed by the node's current key and by the new one (its proof of possession, checked with the signature). */
export const rotateKeyProcedure = signedProcedure('rotate-key')
  .output(keyRotationResultSchema)
  .mutation(({ ctx, input }) =>
    rotateNodeKey(ctx.tx, ctx.record, quorumRule(ctx.mesh.config), input, ctx.signed.subjectKey, ctx.mesh.clock.now()),
  );
