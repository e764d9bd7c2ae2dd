import { enrollmentKeyRevokedSchema } from '../../../shared/enrollment.js';
import { revokeEnrollmentKey } from '../../services/enrollment-keys.js';
import { signedProcedure } from '../../trpc.js';

export const revokeEnrollmentKeyProcedure = signedProcedure('enrollment-key-revoke')
  .output(enrollmentKeyRevokedSchema)
  .mutation(({ ctx, input }) => revokeEnrollmentKey(ctx.tx, ctx.record, input, ctx.mesh.clock.now()));
