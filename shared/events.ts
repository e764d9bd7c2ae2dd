import { z } from 'zod';
import { decisionEventSchema } from './decisions.js';
import { nodeIdSchema } from './fields.js';
import { enrollmentKeyViewSchema } from './enrollment.js';
import { identityChangeSchema, identityCheckedSchema } from './identity.js';
import { nodeViewSchema, regionConcentrationSchema, selfPreservationSchema, sovereignViewSchema } from './responses.js';

export const EVENT_TYPES = [
  'node.registered',
  'node.updated',
  'node.approved',
  'node.denied',
  'node.removed',
  'node.expired',
  'node.online',
  'node.offline',
  'node.identity',
  'node.identity-changed',
  'node.key_rotated',
  'service.health',
  'sovereign.added',
  'sovereign.removed',
  'mesh.self-preservation',
  'mesh.rate-limited',
  'mesh.pending-full',
  'mesh.concentration',
  'decision.signed',
  'decision.expired',
  'enrollment-key.created',
  'enrollment-key.revoked',
  'admission.refused',
] as const;
export const eventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof eventTypeSchema>;

/** The actor of changes mesh makes itself: the health sweeper, service probes, and keys added on the host. */
export const SYSTEM_ACTOR = 'system';

/** A mesh.self-preservation event: mesh entered or left self-preservation, and the figures why. */
export const selfPreservationChangeSchema = z.object({
  change: z.enum(['entered', 'exited']),
  /** Why it was left: heartbeats back at the expected rate, or MESH_SELF_PRESERVATION_MAX_MS reached; null on entry. */
  exitReason: z.enum(['recovered', 'expired']).nullable(),
  /** Active nodes, and those silent for the offline threshold (on entry: with those gone offline in the last window). */
  activeNodes: z.number(),
  silentNodes: z.number(),
  /** MESH_SELF_PRESERVATION_RATIO. */
  ratio: z.number(),
  /** The state after the change. */
  state: selfPreservationSchema,
});
export type SelfPreservationChange = z.infer<typeof selfPreservationChangeSchema>;

/** Addresses named at most in a mesh.rate-limited event: the counts cover the rest. */
export const RATE_LIMITED_SAMPLE = 10;

/** A mesh.rate-limited event: unauthenticated writes refused with RATE_LIMITED in one window. */
export const rateLimitedSummarySchema = z.object({
  /** The window the refusals fell in: [from, to). */
  from: z.number(),
  to: z.number(),
  /** Source addresses refused at least once in the window (counted up to the rate limiter's bound). */
  addresses: z.number(),
  /** Refusals in the window, all addresses together. */
  refusals: z.number(),
  /** Up to RATE_LIMITED_SAMPLE of those addresses, the most refused first. */
  sample: z.array(z.string()).max(RATE_LIMITED_SAMPLE),
});
export type RateLimitedSummary = z.infer<typeof rateLimitedSummarySchema>;

/** A mesh.pending-full event: MESH_MAX_PENDING was reached (a registration refused), or a place freed since. */
export const pendingFullChangeSchema = z.object({
  full: z.boolean(),
  /** MESH_MAX_PENDING. */
  cap: z.number(),
  /** Registrations awaiting a decision at the time. */
  pending: z.number(),
});
export type PendingFullChange = z.infer<typeof pendingFullChangeSchema>;
/** A mesh.concentration event: one region came to hold more than a third of the active nodes, or no longer does. */
export const regionConcentrationChangeSchema = z.object({
  change: z.enum(['entered', 'exited']),
  /** The figures after the change. */
  state: regionConcentrationSchema,
});
export type RegionConcentrationChange = z.infer<typeof regionConcentrationChangeSchema>;

/** A node.key_rotated event: the key a node had, the one it has now, and whether a sovereign forced it. */
export const keyRotationSchema = z.object({
  oldPublicKey: z.string(),
  newPublicKey: z.string(),
  /** True when a sovereign replaced a lost key (the node went back to pending); false when the node rotated it. */
  forced: z.boolean(),
});
export type KeyRotation = z.infer<typeof keyRotationSchema>;
/** What one admission policy (MESH_ADMISSION) said of a registration. */
export const admissionVerdictSchema = z.object({
  policy: z.string(),
  /** refuse: not admitted; approve: active at once; allow: may wait for a sovereign; abstain: no opinion. */
  verdict: z.enum(['refuse', 'approve', 'allow', 'abstain']),
  reason: z.string(),
});
export type AdmissionVerdict = z.infer<typeof admissionVerdictSchema>;

/** How a registration was admitted or refused, and why: on node.registered, node.approved and admission.refused events. */
export const admissionRecordSchema = z.object({
  outcome: z.enum(['refused', 'approved', 'pending']),
  verdicts: z.array(admissionVerdictSchema),
});
export type AdmissionRecord = z.infer<typeof admissionRecordSchema>;

export const meshEventSchema = z.object({
  revision: z.number(),
  type: eventTypeSchema,
  time: z.number(),
  /** The key that signed the change, or "system". */
  actor: z.string(),
  nodeId: z.string().nullable(),
  /** The node's key for node events, the sovereign key for sovereign events. */
  publicKey: z.string().nullable(),
  /** The node after the change (null once removed); null for sovereign events. */
  node: nodeViewSchema.nullable(),
  /** The sovereign key after the change (null once removed); null for node events. */
  sovereign: sovereignViewSchema.nullable(),
  /** Why mesh made the change itself (an automatic denial); absent from changes someone signed. */
  reason: z.string().optional(),
  /** Present on mesh.self-preservation events only. */
  selfPreservation: selfPreservationChangeSchema.optional(),
  /** Present on mesh.rate-limited events only. */
  rateLimited: rateLimitedSummarySchema.optional(),
  /** Present on mesh.pending-full events only. */
  pendingFull: pendingFullChangeSchema.optional(),
  /** Present on mesh.concentration events only. */
  regionConcentration: regionConcentrationChangeSchema.optional(),
  /** Present on node.identity events only: a Tailscale identity check and what mesh did with it. */
  identity: identityCheckedSchema.optional(),
  /** Present on node.identity-changed events only. */
  identityChange: identityChangeSchema.optional(),
  /** Present on decision.signed and decision.expired events only: the sovereign decision, as far as it is signed. */
  decision: decisionEventSchema.optional(),
  /** Present on node.key_rotated events only. */
  keyRotation: keyRotationSchema.optional(),
  /** enrollment-key.* events: the key after the change; node.approved through a key: that key. Never its secret. */
  enrollmentKey: enrollmentKeyViewSchema.optional(),
  /** What the admission policies said: on node.registered, node.approved and admission.refused events. */
  admission: admissionRecordSchema.optional(),
});
export type MeshEvent = z.infer<typeof meshEventSchema>;

const revisionSchema = z.number().int('must be an integer').min(0, 'must not be negative');

export const eventFilterSchema = z.object({
  types: z.array(eventTypeSchema).max(EVENT_TYPES.length).optional(),
  nodeId: nodeIdSchema.optional(),
});
export type EventFilter = z.infer<typeof eventFilterSchema>;

export const watchRequestSchema = eventFilterSchema
  .extend({
    /** Deliver every event after this revision; without it, only events from now on. */
    sinceRevision: revisionSchema.optional(),
    /** Set by tRPC's reconnecting links: the id of the last event received, which wins over sinceRevision. */
    lastEventId: z.string().regex(/^\d+$/, 'must be a revision').optional(),
  })
  .default({});
export type WatchRequest = z.output<typeof watchRequestSchema>;

/**
 * What a watch stream carries: events in revision order, each exactly once; or a reset, when the
 * revision asked for is older than the retained log: the client must list again (at `revision`)
 * and watch from there.
 */
export const watchMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), event: meshEventSchema }),
  z.object({ kind: z.literal('reset'), revision: z.number(), reason: z.string() }),
]);
export type WatchMessage = z.infer<typeof watchMessageSchema>;

export const eventPageRequestSchema = eventFilterSchema
  .extend({
    sinceRevision: revisionSchema.default(0),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .default({ sinceRevision: 0, limit: 100 });
export type EventPageQuery = z.output<typeof eventPageRequestSchema>;

export const eventPageSchema = z.object({
  events: z.array(meshEventSchema),
  /** The newest revision mesh has. */
  revision: z.number(),
  /** Events up to this revision have been pruned: a page asked from before it starts after it. */
  prunedThrough: z.number(),
  /** Ask for the next page with this sinceRevision. */
  nextSinceRevision: z.number(),
  /**
   * Present only when the revision asked for is ahead of the log (a database restored from a
   * backup): the same reset a watch stream sends. List again, then page from `revision`.
   */
  reset: z.object({ revision: z.number(), reason: z.string() }).optional(),
});
export type EventPage = z.infer<typeof eventPageSchema>;
