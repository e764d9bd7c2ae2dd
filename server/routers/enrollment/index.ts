import { router } from '../../trpc.js';
import { createEnrollmentKeyProcedure } from './create.js';
import { listEnrollmentKeysProcedure } from './list.js';
import { revokeEnrollmentKeyProcedure } from './revoke.js';

export const enrollmentRouter = router({
  create: createEnrollmentKeyProcedure,
  list: listEnrollmentKeysProcedure,
  revoke: revokeEnrollmentKeyProcedure,
});
