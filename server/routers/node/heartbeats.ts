import { heartbeatHistoryRequestSchema, heartbeatHistorySchema } from '../../../shared/heartbeat-history.js';
import { MeshError } from '../../errors.js';
import { readHeartbeatHistory } from '../../services/heartbeat-history.js';
import { publicProcedure } from '../../trpc.js';

/** The heartbeats mesh still keeps of one node: what the dashboard draws as the node's recent health. */
export const heartbeatsProcedure = publicProcedure
  .input(heartbeatHistoryRequestSchema)
  .output(heartbeatHistorySchema)
  .query(async ({ ctx, input }) => {
    if (!ctx.mesh.registry.getNode(input.nodeId)) throw new MeshError('NODE_NOT_FOUND', `no node ${input.nodeId} is registered`);
    const history = await ctx.mesh.database.read((db) => readHeartbeatHistory(db, input.nodeId, input.limit));
    return { nodeId: input.nodeId, retentionMs: ctx.mesh.config.heartbeatRetentionMs, ...history };
  });
