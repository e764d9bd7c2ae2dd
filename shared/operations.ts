import { z } from 'zod';

// The answers of the operational paths: liveness and readiness for orchestrators and load balancers.

export const livenessSchema = z.object({ status: z.literal('ok') });
export type Liveness = z.infer<typeof livenessSchema>;

export const READINESS_CHECKS = ['startup', 'database', 'migrations', 'verifier'] as const;
export type ReadinessCheckName = (typeof READINESS_CHECKS)[number];

export const readinessCheckSchema = z.object({ ok: z.boolean(), message: z.string() });

export const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  /** The checks that failed, by name: empty when ready. */
  failing: z.array(z.enum(READINESS_CHECKS)),
  checks: z.object({
    startup: readinessCheckSchema,
    database: readinessCheckSchema,
    migrations: readinessCheckSchema,
    verifier: readinessCheckSchema,
  }),
});
export type Readiness = z.infer<typeof readinessSchema>;
