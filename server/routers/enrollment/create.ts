import { enrollmentKeyCreateAnswerSchema } from '../../../shared/enrollment.js';
import { createEnrollmentKeyByQuorum } from '../../services/enrollment-decisions.js';
import { quorumRule } from '../../services/quorum.js';
import { signedProcedure } from '../../trpc.js';

export const createEnrollmentKeyProcedure = signedProcedure('enrollment-key-create')
  .output(enrollmentKeyCreateAnswerSchema)
  .mutation(({ ctx, input }) =>
    createEnrollmentKeyByQuorum(ctx.tx, ctx.record, quorumRule(ctx.mesh.config), input, ctx.mesh.clock.now()),
  );
