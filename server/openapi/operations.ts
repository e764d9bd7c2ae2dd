import type { z } from 'zod';
import type { MeshErrorCode } from '../../shared/errors.js';
import { eventPageRequestSchema, eventPageSchema, watchRequestSchema } from '../../shared/events.js';
import type { SignedAction } from '../../shared/actions.js';
import {
  enrollmentKeyCreateRequestSchema,
  enrollmentKeyCreatedSchema,
  enrollmentKeyListSchema,
  enrollmentKeyRevokeRequestSchema,
  enrollmentKeyRevokedSchema,
} from '../../shared/enrollment.js';
import { heartbeatHistoryRequestSchema, heartbeatHistorySchema } from '../../shared/heartbeat-history.js';
import { livenessSchema, readinessSchema } from '../../shared/operations.js';
import {
  heartbeatRequestSchema,
  nodeDecisionRequestSchema,
  nodeGetRequestSchema,
  nodeListRequestSchema,
  setRegionRequestSchema,
  registerRequestSchema,
  sovereignAddRequestSchema,
  sovereignRemoveRequestSchema,
} from '../../shared/requests.js';
import {
  heartbeatResultSchema,
  infoSchema,
  nodeDetailSchema,
  nodeListSchema,
  nodeResultSchema,
  removeResultSchema,
  sovereignListSchema,
  sovereignResultSchema,
  topologySchema,
} from '../../shared/responses.js';

/** A query parameter: `field` of the procedure's input, when the query names it otherwise. */
export interface QueryParameter {
  name: string;
  field?: string;
  /** A comma-separated list (`types=a,b`). */
  list?: boolean;
  /** Only in one of the route's representations. */
  description?: string;
}

export interface DocumentedOperation {
  method: 'GET' | 'POST';
  /** The REST template, as in rest/routes.ts (`/nodes/:id`). */
  path: string;
  /** The procedure the route calls: its input schema is the one documented here. */
  procedure: string;
  /** That procedure's input schema, the very object it validates with (a test checks they are the same). */
  input?: z.ZodType;
  summary: string;
  description?: string;
  /** The signed action of the body, whose canonical message the `signature` field signs. */
  signed?: SignedAction;
  /** Fields of the input taken from the path rather than the body. */
  pathFields?: Record<string, string>;
  query?: QueryParameter[];
  response: z.ZodType;
  /** A GET answer with an ETag, answered 304 to a matching If-None-Match. */
  conditional?: boolean;
  /** The mesh error codes this path answers with (besides the ones every path can). */
  errors: MeshErrorCode[];
}

// Every signed write may be refused RATE_LIMITED (429) when nobody known signed it (see server/trpc.ts).
const SIGNATURE_ERRORS: MeshErrorCode[] = [
  'MISSING_SIGNATURE',
  'BAD_SIGNATURE',
  'STALE_TIMESTAMP',
  'REPLAYED_TIMESTAMP',
  'RATE_LIMITED',
];
const DECISION_ERRORS: MeshErrorCode[] = [...SIGNATURE_ERRORS, 'NOT_SOVEREIGN', 'NODE_NOT_FOUND', 'NODE_CHANGED'];

const decision = (action: 'approve' | 'deny' | 'remove', summary: string, response: z.ZodType): DocumentedOperation => ({
  method: 'POST',
  path: `/${action}/:nodeId`,
  procedure: action === 'remove' ? 'sovereign.remove' : `sovereign.${action}`,
  input: nodeDecisionRequestSchema,
  summary,
  signed: action,
  pathFields: { nodeId: 'nodeId' },
  response,
  errors: DECISION_ERRORS,
});

/** Every documented REST path: rest/routes.ts is the table that serves them, this one describes them. */
export const DOCUMENTED_REST: readonly DocumentedOperation[] = [
  {
    method: 'POST',
    path: '/register',
    procedure: 'node.register',
    input: registerRequestSchema,
    summary:
      'Register a node (it starts pending, or active at once when an admission policy approves it, e.g. through an enrollment key), or update its address and services',
    signed: 'register',
    response: nodeResultSchema,
    errors: [
      ...SIGNATURE_ERRORS,
      'NODE_DENIED',
      'NODE_ID_TAKEN',
      'PUBLIC_KEY_TAKEN',
      'PENDING_FULL',
      'NODE_CHANGED',
      'ADMISSION_REFUSED',
      'ADMISSION_UNAVAILABLE',
      'ENROLLMENT_KEY_UNKNOWN',
      'ENROLLMENT_KEY_EXPIRED',
      'ENROLLMENT_KEY_SPENT',
      'ENROLLMENT_KEY_REVOKED',
    ],
  },
  {
    method: 'GET',
    path: '/nodes',
    procedure: 'node.list',
    input: nodeListRequestSchema,
    summary:
      'Nodes by status, service type and region (without a status: every node but denied ones), by id or by reputation or uptime, optionally only those of a minimum reputation',
    query: [
      { name: 'status' },
      { name: 'service' },
      { name: 'region' },
      { name: 'sort', description: 'reputation or uptime (the day’s): highest first, ties by id, nodes without a figure last' },
      { name: 'minReputation', description: 'a whole number 0..100: only nodes with at least this reputation' },
    ],
    response: nodeListSchema,
    conditional: true,
    errors: [],
  },
  {
    method: 'GET',
    path: '/nodes/:id',
    procedure: 'node.get',
    input: nodeGetRequestSchema,
    summary: 'One node',
    pathFields: { id: 'nodeId' },
    response: nodeDetailSchema,
    conditional: true,
    errors: ['NODE_NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/nodes/:id/heartbeats',
    procedure: 'node.heartbeats',
    input: heartbeatHistoryRequestSchema,
    summary: 'The heartbeats mesh still keeps of one node (its retained window), oldest first',
    pathFields: { id: 'nodeId' },
    query: [{ name: 'limit' }],
    response: heartbeatHistorySchema,
    conditional: true,
    errors: ['NODE_NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/topology',
    procedure: 'node.topology',
    summary: 'The network: counts by status, active and offline nodes, and services by type',
    response: topologySchema,
    conditional: true,
    errors: [],
  },
  decision('approve', 'Approve a pending (or denied) node: it becomes active', nodeResultSchema),
  decision('deny', 'Deny a node: its heartbeats and registrations are refused', nodeResultSchema),
  decision('remove', 'Remove a node with its services and history; its id may register afresh', removeResultSchema),
  {
    method: 'POST',
    path: '/region/:nodeId',
    procedure: 'sovereign.setRegion',
    input: setRegionRequestSchema,
    summary: "Set or correct a node's region and zone (an absent one is cleared); records node.updated",
    signed: 'set-region',
    pathFields: { nodeId: 'nodeId' },
    response: nodeResultSchema,
    errors: DECISION_ERRORS,
  },
  {
    method: 'POST',
    path: '/heartbeat',
    procedure: 'health.heartbeat',
    input: heartbeatRequestSchema,
    summary: "A node's sign of life (every 2 minutes); brings an offline node back online",
    signed: 'heartbeat',
    response: heartbeatResultSchema,
    errors: [...SIGNATURE_ERRORS, 'NODE_NOT_FOUND', 'NODE_DENIED', 'NODE_CHANGED'],
  },
  {
    method: 'POST',
    path: '/sovereign/add',
    procedure: 'sovereign.add',
    input: sovereignAddRequestSchema,
    summary: 'Add a sovereign key (signed by an existing sovereign)',
    signed: 'sovereign-add',
    response: sovereignResultSchema,
    errors: [...SIGNATURE_ERRORS, 'NOT_SOVEREIGN', 'SOVEREIGN_EXISTS'],
  },
  {
    method: 'POST',
    path: '/sovereign/remove',
    procedure: 'sovereign.removeKey',
    input: sovereignRemoveRequestSchema,
    summary: 'Remove a sovereign key (never the last one)',
    signed: 'sovereign-remove',
    response: sovereignResultSchema,
    errors: [...SIGNATURE_ERRORS, 'NOT_SOVEREIGN', 'SOVEREIGN_NOT_FOUND', 'LAST_SOVEREIGN'],
  },
  {
    method: 'GET',
    path: '/sovereign',
    procedure: 'sovereign.list',
    summary: 'The sovereign keys',
    response: sovereignListSchema,
    conditional: true,
    errors: [],
  },
  {
    method: 'POST',
    path: '/enrollment-keys',
    procedure: 'enrollment.create',
    input: enrollmentKeyCreateRequestSchema,
    summary: 'Create an enrollment key (signed by a sovereign): its secret is in this answer only',
    description:
      'Single-use by default (`maxUses` 1), reusable up to `maxUses`; it stops working at `expiresAt` (at most a year ahead). ' +
      'mesh keeps only the SHA-256 of the secret. A node whose registration carries the secret is approved at once, ' +
      'recorded as approved by this sovereign through this key, while MESH_ADMISSION names enrollment-key.',
    signed: 'enrollment-key-create',
    response: enrollmentKeyCreatedSchema,
    errors: [...SIGNATURE_ERRORS, 'NOT_SOVEREIGN', 'INVALID_INPUT'],
  },
  {
    method: 'GET',
    path: '/enrollment-keys',
    procedure: 'enrollment.list',
    summary: 'The enrollment keys, oldest first: metadata only (never a secret nor its hash)',
    response: enrollmentKeyListSchema,
    errors: [],
  },
  {
    method: 'POST',
    path: '/enrollment-keys/:id/revoke',
    procedure: 'enrollment.revoke',
    input: enrollmentKeyRevokeRequestSchema,
    summary: 'Revoke an enrollment key (signed by a sovereign): it admits nobody from then on',
    signed: 'enrollment-key-revoke',
    pathFields: { id: 'keyId' },
    response: enrollmentKeyRevokedSchema,
    errors: [...SIGNATURE_ERRORS, 'NOT_SOVEREIGN', 'ENROLLMENT_KEY_NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/health',
    procedure: 'info',
    summary:
      "The network id, the server's clock and the timings a client needs before it signs, and the sweeper's self-preservation state",
    response: infoSchema,
    conditional: true,
    errors: [],
  },
  {
    method: 'GET',
    path: '/events',
    procedure: 'events.list',
    input: eventPageRequestSchema,
    summary: 'The events log: a JSON page with `Accept: application/json`, else the live stream as Server-Sent Events',
    description:
      'With `Accept: application/json`: a page of the audit trail after `since` (ask again with `nextSinceRevision`). ' +
      'Otherwise `text/event-stream`: every event after `since` (or `Last-Event-ID`), then live ones; each frame has ' +
      'the revision as `id`, the event type as `event` and the event as JSON `data`. A revision older than the log ' +
      'yields an `event: reset` frame; a reader more than 1000 events behind is cut off (resume from its last id).',
    query: [
      { name: 'types', list: true },
      { name: 'nodeId' },
      { name: 'since', field: 'sinceRevision' },
      { name: 'limit', description: 'JSON pages only.' },
    ],
    response: eventPageSchema,
    conditional: true,
    errors: [],
  },
];

/** The live stream's input, documented beside the JSON page's on GET /events. */
export const WATCH_INPUT = watchRequestSchema;

/** The operational paths, served beside the REST API (not procedures). */
export const OPERATIONAL = { liveness: livenessSchema, readiness: readinessSchema } as const;
