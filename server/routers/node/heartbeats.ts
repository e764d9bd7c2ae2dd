import { heartbeatHistoryRequestSchema, heartbeatHistorySchema } from '../../../shared/heartbeat-history.js';
import { MeshError } from '../../errors.js';
import { readHeartbeatHistory } from '../../services/heartbeat-history.js';
import { publicProcedure } from '../../trpc.js';

/**
 * The heartbeats of one node in the raw window (MESH_HEARTBEAT_RETENTION_MS): what the dashboard draws
 * as its recent health. Uptime over hours and days comes from the per-node rollup, not from these rows.
 */
export const heartbeatsProcedure = publicProcedure
  .input(heartbeatHistoryRequestSchema)
  .output(heartbeatHistorySchema)
  .query(async ({ ctx, input }) => {
    if (!ctx.mesh.registry.getNode(input.nodeId)) throw new MeshError('NODE_NOT_FOUND', `no node ${input.nodeId} is registered`);
    const retentionMs = ctx.mesh.config.heartbeatRetentionMs;
    const windowStart = ctx.mesh.clock.now() - retentionMs;
    const history = await ctx.mesh.database.read((db) => readHeartbeatHistory(db, input.nodeId, input.limit, windowStart));
    return { nodeId: input.nodeId, retentionMs, windowStart, ...history };
  });
