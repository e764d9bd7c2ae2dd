import { z } from 'zod';
import { decisionOutcomeSchema } from './decisions.js';
import { nodeStatusSchema } from './fields.js';
import { identityEvidenceSchema } from './identity.js';

// The documented response shapes of the seed design (snake_case node fields), which the REST
// adapter passes through unchanged. Times are milliseconds since the Unix epoch.

export const SERVICE_HEALTH_STATUSES = ['up', 'down', 'unknown'] as const;

/**
 * What mesh's last TCP connect to a service found (see server/probes/): `unknown` until the first
 * probe after mesh started, and for nodes that are not active. `checkedAt` and `latencyMs` are null
 * while unknown.
 */
export const serviceHealthSchema = z
  .object({
    status: z.enum(SERVICE_HEALTH_STATUSES),
    checkedAt: z.number().nullable(),
    latencyMs: z.number().nullable(),
  })
  .describe(
    'What mesh found on its last TCP connect to the service at the node’s Tailscale IP: up (connected; latencyMs is how long that took) or down (refused or timed out; latencyMs null). unknown (checkedAt and latencyMs null) until the first probe since mesh started, and for nodes that are not active.',
  );
export type ServiceHealth = z.infer<typeof serviceHealthSchema>;

export const UNKNOWN_HEALTH: ServiceHealth = Object.freeze({ status: 'unknown', checkedAt: null, latencyMs: null });

export const serviceViewSchema = z.object({
  type: z.string(),
  port: z.number(),
  publicKey: z.string().nullable(),
  // Defaulted for what was written before probes existed: events in the log, peer caches on disk.
  health: serviceHealthSchema.default(UNKNOWN_HEALTH),
});
export type ServiceView = z.infer<typeof serviceViewSchema>;

const uptimeShare = z.number().min(0).max(1).nullable();

/**
 * A node's uptime from mesh's heartbeat rollup: the share of the heartbeat intervals of the last
 * hour, day and week in which mesh recorded a heartbeat of it, counting only intervals mesh could
 * observe (it was running, from the node's first heartbeat on). Null where none was observable.
 */
export const nodeUptimeSchema = z
  .object({
    hour: uptimeShare,
    day: uptimeShare,
    week: uptimeShare,
    /** Observable intervals of the last day without a heartbeat. */
    missed: z.number().int().min(0),
    /** Of the day's intervals with a heartbeat followed by an observable one, the share followed by another heartbeat. */
    regularity: uptimeShare,
    /** The first heartbeat mesh accepted from the node; null before it. */
    firstSeen: z.number().nullable(),
  })
  .describe(
    'Shares (0..1) of the heartbeat intervals of the last hour, day and week with a heartbeat, among those mesh could observe (it was running; from the node’s first heartbeat on); null when none was observable. missed: observable intervals of the last day without one. regularity: of the day’s intervals with a heartbeat, the share whose next observable interval had one too. Refreshed about every minute.',
  );
export type NodeUptime = z.infer<typeof nodeUptimeSchema>;

export const UNKNOWN_UPTIME: NodeUptime = Object.freeze({
  hour: null,
  day: null,
  week: null,
  missed: 0,
  regularity: null,
  firstSeen: null,
});

export const nodeViewSchema = z.object({
  id: z.string(),
  public_key: z.string(),
  tailscale_hostname: z.string(),
  tailscale_ip: z.string().nullable(),
  // Default null: events and peer-cache files written before regions existed lack them.
  region: z.string().nullable().default(null),
  zone: z.string().nullable().default(null),
  status: nodeStatusSchema,
  registered_at: z.number(),
  approved_at: z.number().nullable(),
  approved_by: z.string().nullable(),
  last_heartbeat: z.number().nullable(),
  services: z.array(serviceViewSchema),
  // Defaulted, as health is, for what was written before uptime existed.
  uptime: nodeUptimeSchema.default(UNKNOWN_UPTIME),
  reputation: z
    .number()
    .min(0)
    .max(100)
    .nullable()
    .default(null)
    .describe(
      '0..100: 100 × (0.5 × week + 0.3 × day + 0.2 × hour uptime; a window without observable intervals takes the next longer one) × (0.75 + 0.25 × regularity, 1 when unknown), to one decimal; null until an interval was observable.',
    ),
});
export type NodeView = z.infer<typeof nodeViewSchema>;
/** What the uptime rollup says of a node: the part of its view mesh computes from heartbeat history. */
export type UptimeFigures = Pick<NodeView, 'uptime' | 'reputation'>;

/** The events-log revision a discovery answer reflects: watch from it to miss nothing and see nothing twice. */
const revision = z.number();

export const nodeListSchema = z.object({
  nodes: z.array(nodeViewSchema),
  revision,
  /** Paged answers only: the `after` of the next page, null on the last. */
  next: z.string().nullable().optional(),
});
export type NodeList = z.infer<typeof nodeListSchema>;

export const nodeDetailSchema = nodeViewSchema.extend({
  revision,
  // Only in the detail of one node, not in lists or events: the last Tailscale identity check.
  identity: identityEvidenceSchema.nullable().default(null),
});
export type NodeDetail = z.infer<typeof nodeDetailSchema>;

export const statusCountsSchema = z.record(nodeStatusSchema, z.number());
export type StatusCounts = z.infer<typeof statusCountsSchema>;

export const topologyServiceSchema = z.object({
  nodeId: z.string(),
  hostname: z.string(),
  ip: z.string().nullable(),
  port: z.number(),
  publicKey: z.string().nullable(),
  status: nodeStatusSchema,
  health: serviceHealthSchema,
});

/**
 * Whether mesh holds off marking nodes offline because too many went silent at once (mesh itself is
 * then the likely one cut off). It changes only when mesh enters or leaves that state.
 */
export const selfPreservationSchema = z.object({
  active: z.boolean(),
  /** When it was entered; null when not in self-preservation. */
  since: z.number().nullable(),
  /** When it ends at the latest (MESH_SELF_PRESERVATION_MAX_MS after `since`); null when not in it. */
  until: z.number().nullable(),
  /** Active nodes, and of them those that would have gone offline, when it was entered; null when not in it. */
  activeNodes: z.number().nullable(),
  silentNodes: z.number().nullable(),
  /**
   * Self-preservation ran out while nodes were still silent: they go offline at most
   * MESH_OFFLINE_RATE per sweeper pass until none is left.
   */
  draining: z.boolean(),
});
export type SelfPreservation = z.infer<typeof selfPreservationSchema>;

/**
 * Whether one region holds more than a third of the active nodes: a BFT network that loses more than
 * a third of its validators at once halts, and a region is what fails at once. Judged only from
 * MIN_ACTIVE_NODES_FOR_CONCENTRATION active nodes on (server/registry/region-concentration.ts).
 */
export const regionConcentrationSchema = z.object({
  concentrated: z.boolean(),
  /** The region holding the most active nodes; null when no active node declared a region. */
  region: z.string().nullable(),
  /** Active nodes in that region, and active nodes in all (with a region or without). */
  regionActiveNodes: z.number(),
  activeNodes: z.number(),
  /** regionActiveNodes / activeNodes, 0 when there is no active node. */
  share: z.number(),
});
export type RegionConcentration = z.infer<typeof regionConcentrationSchema>;

export const topologySchema = z.object({
  network: z.string(),
  generatedAt: z.number(),
  counts: statusCountsSchema,
  nodes: z.array(nodeViewSchema),
  services: z.record(z.string(), z.array(topologyServiceSchema)),
  /** Counts by status per region; nodes that declared no region are counted under "(none)". */
  regions: z.record(z.string(), statusCountsSchema),
  regionConcentration: regionConcentrationSchema,
  revision,
  selfPreservation: selfPreservationSchema,
  /** Present when `nodes` was left empty (a large network, or ?nodes=none): how many there are and how to ask. */
  nodesOmitted: z.object({ count: z.number(), how: z.string() }).optional(),
});
export type Topology = z.infer<typeof topologySchema>;

/**
 * Up to this many nodes, GET /topology lists them all as it always did; beyond, only counts and the
 * service index unless ?nodes=all asks (GET /nodes?limit=… pages through them instead).
 */
export const TOPOLOGY_INLINE_NODES = 10_000;
export const topologyRequestSchema = z
  .object({
    /** all: every visible node (the answer of a million nodes is hundreds of megabytes); none: counts and services only. */
    nodes: z.enum(['all', 'none']).optional(),
  })
  .default({});

export const nodeResultSchema = z.object({
  success: z.literal(true),
  nodeId: z.string(),
  status: nodeStatusSchema,
  message: z.string(),
  /** Only with MESH_QUORUM above 1: the sovereign decision this signature counted towards. */
  decision: decisionOutcomeSchema.optional(),
});
/** register, approve and deny answer with the node's status after the request. */
export type NodeResult = z.infer<typeof nodeResultSchema>;

/** A key rotation answers with the node's status after it and the key the node has now. */
export const keyRotationResultSchema = nodeResultSchema.extend({ publicKey: z.string() });
export type KeyRotationResult = z.infer<typeof keyRotationResultSchema>;

export const removeResultSchema = z.object({
  success: z.literal(true),
  nodeId: z.string(),
  /** false only while a removal waits for more sovereigns (MESH_QUORUM): see `decision`. */
  removed: z.boolean(),
  message: z.string(),
  decision: decisionOutcomeSchema.optional(),
});
export type RemoveResult = z.infer<typeof removeResultSchema>;

export const heartbeatResultSchema = z.object({
  success: z.literal(true),
  nodeId: z.string(),
  status: nodeStatusSchema,
  receivedAt: z.number(),
});
export type HeartbeatResult = z.infer<typeof heartbeatResultSchema>;

export const sovereignViewSchema = z.object({
  public_key: z.string(),
  description: z.string(),
  added_at: z.number(),
  added_by: z.string().nullable(),
});
export type SovereignView = z.infer<typeof sovereignViewSchema>;

export const sovereignListSchema = z.object({ sovereigns: z.array(sovereignViewSchema) });

export const sovereignResultSchema = z.object({
  success: z.literal(true),
  publicKey: z.string(),
  message: z.string(),
  /** Only with MESH_QUORUM above 1: the sovereign decision this signature counted towards. */
  decision: decisionOutcomeSchema.optional(),
});
export type SovereignResult = z.infer<typeof sovereignResultSchema>;

/**
 * Of the mesh processes sharing one database, which one runs the work that must happen once (the
 * sweeper, service probes): this process's role and id, and the leader's as this process last read it.
 */
export const leaderStatusSchema = z.object({
  role: z.enum(['leader', 'follower']),
  /** This process: host, pid and a random part. */
  processId: z.string(),
  /** The process holding the lease; null while nobody does (between a leader's loss and a takeover). */
  leaderId: z.string().nullable(),
  /** Grows by one at every change of leader: the fencing token of leader-only writes. */
  epoch: z.number(),
  /** When the lease runs out unless renewed; null while nobody holds it. */
  leaseExpiresAt: z.number().nullable(),
});
export type LeaderStatus = z.infer<typeof leaderStatusSchema>;

export const infoSchema = z.object({
  status: z.literal('ok'),
  service: z.literal('mesh'),
  version: z.string(),
  protocol: z.string(),
  network: z.string(),
  serverTime: z.number(),
  heartbeatIntervalMs: z.number(),
  offlineAfterMs: z.number(),
  /** How far in the past a signed request's timestamp may be, by serverTime. */
  maxSkewMs: z.number(),
  /** How far in the future it may be. */
  maxFutureSkewMs: z.number(),
  selfPreservation: selfPreservationSchema,
  regionConcentration: regionConcentrationSchema,
  leader: leaderStatusSchema,
});
export type Info = z.infer<typeof infoSchema>;

export const errorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
