import { z } from 'zod';
import { nodeStatusSchema } from './fields.js';

// The documented response shapes of the seed design (snake_case node fields), which the REST
// adapter passes through unchanged. Times are milliseconds since the Unix epoch.

export const serviceViewSchema = z.object({
  type: z.string(),
  port: z.number(),
  publicKey: z.string().nullable(),
});
export type ServiceView = z.infer<typeof serviceViewSchema>;

export const nodeViewSchema = z.object({
  id: z.string(),
  public_key: z.string(),
  tailscale_hostname: z.string(),
  tailscale_ip: z.string().nullable(),
  status: nodeStatusSchema,
  registered_at: z.number(),
  approved_at: z.number().nullable(),
  approved_by: z.string().nullable(),
  last_heartbeat: z.number().nullable(),
  services: z.array(serviceViewSchema),
});
export type NodeView = z.infer<typeof nodeViewSchema>;

/** The events-log revision a discovery answer reflects: watch from it to miss nothing and see nothing twice. */
const revision = z.number();

export const nodeListSchema = z.object({ nodes: z.array(nodeViewSchema), revision });
export type NodeList = z.infer<typeof nodeListSchema>;

export const nodeDetailSchema = nodeViewSchema.extend({ revision });

export const statusCountsSchema = z.record(nodeStatusSchema, z.number());
export type StatusCounts = z.infer<typeof statusCountsSchema>;

export const topologyServiceSchema = z.object({
  nodeId: z.string(),
  hostname: z.string(),
  ip: z.string().nullable(),
  port: z.number(),
  publicKey: z.string().nullable(),
  status: nodeStatusSchema,
});

export const topologySchema = z.object({
  network: z.string(),
  generatedAt: z.number(),
  counts: statusCountsSchema,
  nodes: z.array(nodeViewSchema),
  services: z.record(z.string(), z.array(topologyServiceSchema)),
  revision,
});
export type Topology = z.infer<typeof topologySchema>;

export const nodeResultSchema = z.object({
  success: z.literal(true),
  nodeId: z.string(),
  status: nodeStatusSchema,
  message: z.string(),
});
/** register, approve and deny answer with the node's status after the request. */
export type NodeResult = z.infer<typeof nodeResultSchema>;

export const removeResultSchema = z.object({
  success: z.literal(true),
  nodeId: z.string(),
  removed: z.literal(true),
  message: z.string(),
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
});
export type SovereignResult = z.infer<typeof sovereignResultSchema>;

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
});
export type Info = z.infer<typeof infoSchema>;

export const errorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
