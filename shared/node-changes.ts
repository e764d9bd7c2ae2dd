import { z } from 'zod';
import { locationSchema, nodeStatusSchema, serviceTypeSchema } from './fields.js';
import { nodeViewSchema } from './responses.js';

/** At most this many nodes in one delta answer: beyond it, mesh answers a reset (list again, paged). */
export const MAX_NODE_CHANGES = 10_000;
/** At most this many events read for one delta answer: beyond it, listing again is cheaper than the log. */
export const MAX_DELTA_EVENTS = 100_000;

/**
 * What changed among the nodes a filter selects since a revision (GET /nodes?since=R). Only the
 * filters that events can follow: a reputation moves with the uptime figures, not with an event,
 * and an order means nothing to a set of changes.
 */
export const nodeChangesRequestSchema = z.object({
  sinceRevision: z.number().int().min(0),
  status: nodeStatusSchema.optional(),
  service: serviceTypeSchema.optional(),
  region: locationSchema.optional(),
  /** At most this many changes (default and maximum MAX_NODE_CHANGES): beyond it, a reset. */
  limit: z
    .number()
    .int()
    .min(1, 'limit must be at least 1')
    .max(MAX_NODE_CHANGES, `limit must be at most ${MAX_NODE_CHANGES} changes: beyond them, list again`)
    .default(MAX_NODE_CHANGES),
});
export type NodeChangesRequest = z.input<typeof nodeChangesRequestSchema>;
export type NodeChangesFilter = z.output<typeof nodeChangesRequestSchema>;

export const nodeChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), node: nodeViewSchema }),
  z.object({ op: z.literal('delete'), id: z.string() }),
]);
export type NodeChange = z.infer<typeof nodeChangeSchema>;

/**
 * Each node that changed after `sinceRevision` once, by id: `upsert` with its view as of now when
 * the filter selects it, `delete` when it does not (removed, or it left the filter, e.g. went
 * offline when status=active was asked; a delete may name a node the asker never held). Or a reset:
 * the revision was pruned from the events log, is ahead of it, or too much changed since.
 */
export const nodeChangesSchema = z.union([
  z.object({ revision: z.number(), changes: z.array(nodeChangeSchema) }),
  z.object({ revision: z.number(), reset: z.literal(true), reason: z.string() }),
]);
export type NodeChanges = z.infer<typeof nodeChangesSchema>;
