import { rotateNodeKey } from '../../services/key-rotation.js';
import { signedProcedure } from '../../trpc.js';
import { keyRotationResultSchema } from '../../../shared/responses.js';

/** Signed by the node's current key and by the new one (its proof of possession, checked with the signature). */
export const rotateKeyProcedure = signedProcedure('rotate-key')
  .output(keyRotationResultSchema)
  .mutation(({ ctx, input }) => rotateNodeKey(ctx.tx, ctx.record, input, ctx.signed.subjectKey, ctx.mesh.clock.now()));
