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

export const nodeListRequestSchema = z
  .object({
    status: nodeStatusSchema.optional(),
    service: serviceTypeSchema.optional(),
    /** Highest first (uptime: the day's), ties by id; without it, by id. */
    sort: z.enum(NODE_LIST_SORTS).optional(),
    /** Only nodes with a reputation of at least this (nodes without one are left out). */
    minReputation: z.number().min(0).max(100).optional(),
    region: locationSchema.optional(),
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
  'enrollment-key-create': enrollmentKeyCreateRequestSchema,
  'enrollment-key-revoke': enrollmentKeyRevokeRequestSchema,
} as const satisfies Record<SignedAction, z.ZodType>;

export type SignedFields<A extends SignedAction> = z.output<(typeof SIGNED_REQUEST_SCHEMAS)[A]>;
