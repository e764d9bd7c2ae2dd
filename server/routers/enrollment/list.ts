import { enrollmentKeyListSchema } from '../../../shared/enrollment.js';
import { listEnrollmentKeys } from '../../services/enrollment-keys.js';
import { publicProcedure } from '../../trpc.js';

/** Metadata only: a key's secret is shown once, at creation, and mesh does not keep it. */
export const listEnrollmentKeysProcedure = publicProcedure
  .output(enrollmentKeyListSchema)
  .query(async ({ ctx }) => ({ keys: await ctx.mesh.database.read((db) => listEnrollmentKeys(db)) }));
