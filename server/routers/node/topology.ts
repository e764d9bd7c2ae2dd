import { NODE_PAGE_DEFAULT } from '../../../shared/requests.js';
import { TOPOLOGY_INLINE_NODES, topologyRequestSchema, topologySchema } from '../../../shared/responses.js';
import { publicProcedure } from '../../trpc.js';

/**
 * Counts, regions and the service index always; the nodes themselves when asked (?nodes=all) or
 * when there are few enough (TOPOLOGY_INLINE_NODES), so today's networks get today's answer and a
 * million nodes do not make every topology answer hundreds of megabytes.
 */
export const topologyProcedure = publicProcedure
  .input(topologyRequestSchema)
  .output(topologySchema)
  .query(({ ctx, input }) => {
    const topology = { ...ctx.mesh.registry.topology(ctx.mesh.config.network), selfPreservation: ctx.mesh.preservation.view() };
    const withNodes = input.nodes === undefined ? topology.nodes.length <= TOPOLOGY_INLINE_NODES : input.nodes === 'all';
    if (withNodes) return topology;
    const count = topology.nodes.length;
    return {
      ...topology,
      nodes: [],
      nodesOmitted: {
        count,
        how: `${count} active and offline nodes left out: page through them with GET /nodes?limit=${NODE_PAGE_DEFAULT}&after=<last id>, or ask GET /topology?nodes=all`,
      },
    };
  });
