import { z } from 'zod';
import {
  MAX_SERVICES,
  descriptionSchema,
  hostnameSchema,
  locationSchema,
  ipSchema,
  nodeIdSchema,
  newPublicKeySchema,
  nodeStatusSchema,
  portSchema,
  publicKeyHexSchema,
  serviceTypeSchema,
  signatureSchema,
  timestampSchema,
} from './fields.js';
import type { SignedAction } from './actions.js';
import { enrollmentKeyCreateRequestSchema, enrollmentKeyRevokeRequestSchema, enrollmentKeySchema } from './enrollment.js';

export const serviceInputSchema = z.object({
  type: serviceTypeSchema,
  port: portSchema,
  publicKey: publicKeyHexSchema.nullish(),
});
export type ServiceInput = z.input<typeof serviceInputSchema>;

const servicesSchema = z
  .array(serviceInputSchema)
  .max(MAX_SERVICES, `must list at most ${MAX_SERVICES} services`)
  .superRefine((services, ctx) => {
    const seen = new Set<string>();
    services.forEach((service, index) => {
      const key = `${service.type}:${service.port}`;
      if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `lists ${key} twice: services are unique by type and port` });
      }
      seen.add(key);
    });
  });

/** Fields every signed request carries next to the fields it covers. */
const signed = { timestamp: timestampSchema, signature: signatureSchema };

export const registerRequestSchema = z.object({
  nodeId: nodeIdSchema,
  publicKey: newPublicKeySchema,
  tailscaleHostname: hostnameSchema,
  tailscaleIP: ipSchema.nullish(),
  services: servicesSchema.default([]),
  // Absent in a mesh-v1 registration; present ones are signed in a mesh-v2 message (docs/protocol.md).
  region: locationSchema.nullish(),
  zone: locationSchema.nullish(),
  // An enrollment key (README, Enrollment keys): signed in a mesh-v2 message, so it cannot be lifted onto another registration.
  enrollmentKey: enrollmentKeySchema.nullish(),
  ...signed,
});

export const heartbeatRequestSchema = z.object({
  nodeId: nodeIdSchema,
  tailscaleIP: ipSchema.nullish(),
  ...signed,
});

/** approve, deny and remove: a sovereign decides about one node. */
export const nodeDecisionRequestSchema = z.object({
  nodeId: nodeIdSchema,
  approverPublicKey: publicKeyHexSchema,
  ...signed,
});

export const sovereignAddRequestSchema = z.object({
  publicKey: newPublicKeySchema,
  description: descriptionSchema.default(''),
  approverPublicKey: publicKeyHexSchema,
  ...signed,
});

export const sovereignRemoveRequestSchema = z.object({
  publicKey: publicKeyHexSchema,
  approverPublicKey: publicKeyHexSchema,
  ...signed,
});

/**
 * A node replaces its key: `signature` by its current key, `newKeySignature` by the new one (proof
 * that the node holds it), both over the same rotate-key message (docs/protocol.md).
 */
export const rotateKeyRequestSchema = z.object({
  nodeId: nodeIdSchema,
  newPublicKey: newPublicKeySchema,
  newKeySignature: signatureSchema,
  ...signed,
});

/** A sovereign replaces the key of a node whose key is lost: the node goes back to pending with the new key. */
export const forceRotateKeyRequestSchema = z.object({
  nodeId: nodeIdSchema,
  newPublicKey: newPublicKeySchema,
  approverPublicKey: publicKeyHexSchema,
  ...signed,
});

export const NODE_LIST_SORTS = ['reputation', 'uptime'] as const;
export type NodeListSort = (typeof NODE_LIST_SORTS)[number];

/** A sovereign sets or corrects where a node runs; an absent region or zone clears it. */
export const setRegionRequestSchema = z.object({
  nodeId: nodeIdSchema,
  region: locationSchema.nullish(),
  zone: locationSchema.nullish(),
  approverPublicKey: publicKeyHexSchema,
  ...signed,
});

/** Page sizes of GET /nodes: without `limit` or `after`, the whole list, as before paging existed. */
export const NODE_PAGE_DEFAULT = 1000;
export const NODE_PAGE_MAX = 10_000;

export const nodeListRequestSchema = z
  .object({
    status: nodeStatusSchema.optional(),
    service: serviceTypeSchema.optional(),
    /** Highest first (uptime: the day's), ties by id; without it, by id. */
    sort: z.enum(NODE_LIST_SORTS).optional(),
    /** Only nodes with a reputation of at least this (nodes without one are left out). */
    minReputation: z.number().min(0).max(100).optional(),
    region: locationSchema.optional(),
    /** Pages, in id order: at most this many nodes (default NODE_PAGE_DEFAULT once `after` is given). */
    limit: z
      .number()
      .int()
      .min(1, 'limit must be at least 1')
      .max(NODE_PAGE_MAX, `limit must be at most ${NODE_PAGE_MAX} nodes a page: follow \`next\` for the rest`)
      .optional(),
    /** The page after this node id (the `next` of the previous page). */
    after: nodeIdSchema.optional(),
  })
  .refine((filter) => !filter.sort || (filter.limit === undefined && filter.after === undefined), {
    message: 'pages (limit, after) follow node ids: ask for sort without them',
    path: ['sort'],
  })
  .default({});

export const nodeGetRequestSchema = z.object({ nodeId: nodeIdSchema });

export type RegisterRequest = z.input<typeof registerRequestSchema>;
export type RegisterFields = z.output<typeof registerRequestSchema>;
export type HeartbeatFields = z.output<typeof heartbeatRequestSchema>;
export type NodeDecisionFields = z.output<typeof nodeDecisionRequestSchema>;
export type SovereignAddFields = z.output<typeof sovereignAddRequestSchema>;
export type SovereignRemoveFields = z.output<typeof sovereignRemoveRequestSchema>;
export type SetRegionFields = z.output<typeof setRegionRequestSchema>;
export type RotateKeyFields = z.output<typeof rotateKeyRequestSchema>;
export type ForceRotateKeyFields = z.output<typeof forceRotateKeyRequestSchema>;
export type NodeListFilter = z.output<typeof nodeListRequestSchema>;

/** The request schema of each signed action: a signed procedure's input follows from its action. */
export const SIGNED_REQUEST_SCHEMAS = {
  register: registerRequestSchema,
  heartbeat: heartbeatRequestSchema,
  approve: nodeDecisionRequestSchema,
  deny: nodeDecisionRequestSchema,
  remove: nodeDecisionRequestSchema,
  'sovereign-add': sovereignAddRequestSchema,
  'sovereign-remove': sovereignRemoveRequestSchema,
  'set-region': setRegionRequestSchema,
  'rotate-key': rotateKeyRequestSchema,
  'force-rotate-key': forceRotateKeyRequestSchema,
  'enrollment-key-create': enrollmentKeyCreateRequestSchema,
  'enrollment-key-revoke': enrollmentKeyRevokeRequestSchema,
} as const satisfies Record<SignedAction, z.ZodType>;

export type SignedFields<A extends SignedAction> = z.output<(typeof SIGNED_REQUEST_SCHEMAS)[A]>;
