import { nodeGetRequestSchema } from '../../../shared/requests.js';
import { nodeDetailSchema } from '../../../shared/responses.js';
import { MeshError } from '../../errors.js';
import { readNodeIdentity } from '../../services/identity.js';
import { publicProcedure } from '../../trpc.js';

export const getProcedure = publicProcedure
  .input(nodeGetRequestSchema)
  .output(nodeDetailSchema)
  .query(async ({ ctx, input }) => {
    const node = ctx.mesh.registry.getNode(input.nodeId);
    if (!node) throw new MeshError('NODE_NOT_FOUND', `no node ${input.nodeId} is registered`);
    const revision = ctx.mesh.registry.revision;
    const identity = await ctx.mesh.database.read((db) => readNodeIdentity(db, input.nodeId));
    return { ...node, revision, identity };
  });
