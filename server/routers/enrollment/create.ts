import { enrollmentKeyCreatedSchema } from '../../../shared/enrollment.js';
import { createEnrollmentKey } from '../../services/enrollment-keys.js';
import { signedProcedure } from '../../trpc.js';

export const createEnrollmentKeyProcedure = signedProcedure('enrollment-key-create')
  .output(enrollmentKeyCreatedSchema)
  .mutation(({ ctx, input }) => createEnrollmentKey(ctx.tx, ctx.record, input, ctx.mesh.clock.now()));
