import { z } from 'zod';
import { nodeIdSchema } from './fields.js';

/** Far more than the default window holds (10 minutes: 5 heartbeats at the two-minute interval). */
export const MAX_HEARTBEAT_HISTORY = 1000;

export const heartbeatHistoryRequestSchema = z.object({
  nodeId: nodeIdSchema,
  limit: z.number().int().min(1).max(MAX_HEARTBEAT_HISTORY).default(MAX_HEARTBEAT_HISTORY),
});
export type HeartbeatHistoryRequest = z.input<typeof heartbeatHistoryRequestSchema>;

export const heartbeatHistorySchema = z.object({
  nodeId: z.string(),
  /** How long mesh keeps raw heartbeats (MESH_HEARTBEAT_RETENTION_MS): the window the list covers, unless `truncated`. */
  retentionMs: z.number(),
  /** The window's start (now − retentionMs): older heartbeats are not kept; the node's uptime figures cover longer spans. */
  windowStart: z.number(),
  /** Oldest first; each is the server's time of a heartbeat it accepted. */
  heartbeats: z.array(z.object({ time: z.number(), tailscaleIp: z.string().nullable() })),
  /** True when the window holds more heartbeats than `limit`: the list has the newest ones. */
  truncated: z.boolean(),
});
export type HeartbeatHistory = z.infer<typeof heartbeatHistorySchema>;
