import { selectsNode } from '../../../shared/node-filter.js';
import { nodeChangesRequestSchema, nodeChangesSchema } from '../../../shared/node-changes.js';
import { readNodeChanges } from '../../services/node-changes.js';
import { publicProcedure } from '../../trpc.js';

/** GET /nodes?since=R: what changed among the listed nodes since a revision, each node once. */
export const changesProcedure = publicProcedure
  .input(nodeChangesRequestSchema)
  .output(nodeChangesSchema)
  .query(({ ctx, input: { sinceRevision, limit, ...filter } }) =>
    ctx.mesh.database.read((db) =>
      readNodeChanges(db, ctx.mesh.registry, sinceRevision, (node) => selectsNode(node, filter), limit),
    ),
  );
