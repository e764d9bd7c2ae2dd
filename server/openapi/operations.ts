import type { z } from 'zod';
import { decisionListSchema } from '../../shared/decisions.js';
import type { MeshErrorCode } from '../../shared/errors.js';
import { IDENTITY_CODES } from '../../shared/identity.js';
import { eventPageRequestSchema, eventPageSchema, watchRequestSchema } from '../../shared/events.js';
import type { SignedAction } from '../../shared/actions.js';
import {
  enrollmentKeyCreateAnswerSchema,
  enrollmentKeyCreateRequestSchema,
  enrollmentKeyListSchema,
  enrollmentKeyRevokeRequestSchema,
  enrollmentKeyRevokedSchema,
} from '../../shared/enrollment.js';
import { heartbeatHistoryRequestSchema, heartbeatHistorySchema } from '../../shared/heartbeat-history.js';
import { nodeChangesRequestSchema, nodeChangesSchema } from '../../shared/node-changes.js';
import { livenessSchema, readinessSchema } from '../../shared/operations.js';
import {
  forceRotateKeyRequestSchema,
  heartbeatRequestSchema,
  nodeDecisionRequestSchema,
  nodeGetRequestSchema,
  nodeListRequestSchema,
  setRegionRequestSchema,
  registerRequestSchema,
  rotateKeyRequestSchema,
  sovereignAddRequestSchema,
  sovereignRemoveRequestSchema,
} from '../../shared/requests.js';
import {
  heartbeatResultSchema,
  infoSchema,
  keyRotationResultSchema,
  nodeDetailSchema,
  nodeListSchema,
  nodeResultSchema,
  removeResultSchema,
  sovereignListSchema,
  sovereignResultSchema,
  topologyRequestSchema,
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
  /** When the path may answer 202 Accepted (a sovereign decision waiting for MESH_QUORUM), what that means. */
  accepted?: string;
  /** The mesh error codes this path answers with (besides the ones every path can). */
  errors: MeshErrorCode[];
  /** A second procedure the same path calls when a query parameter asks for it (GET /nodes?since=…). */
  variant?: { procedure: string; input: z.ZodType; response: z.ZodType; when: string };
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

// Sovereign decisions under MESH_QUORUM: see shared/decisions.ts.
const QUORUM_PENDING =
  'With MESH_QUORUM above 1: the signature is recorded, and the decision waits for more sovereigns (its tally in `decision`). A sovereign signing the same decision again gets 200 with `decision.duplicate` true: nothing changed.';

const decision = (action: 'approve' | 'deny' | 'remove', summary: string, response: z.ZodType): DocumentedOperation => ({
  method: 'POST',
  path: `/${action}/:nodeId`,
  procedure: action === 'remove' ? 'sovereign.remove' : `sovereign.${action}`,
  input: nodeDecisionRequestSchema,
  summary,
  signed: action,
  pathFields: { nodeId: 'nodeId' },
  response,
  accepted: QUORUM_PENDING,
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
      ...IDENTITY_CODES,
    ],
  },
  {
    method: 'GET',
    path: '/nodes',
    procedure: 'node.list',
    input: nodeListRequestSchema,
    summary:
      'Nodes by status, service type and region (without a status: every node but denied ones), by id or by reputation or uptime, optionally only those of a minimum reputation',
    description:
      'Without `limit`, `after` or `since`: the whole list (streamed). With `limit` and/or `after`: one page in id order ' +
      '(default 1000, at most 10000 nodes), whose `next` is the `after` of the next page (null on the last). ' +
      'With `since`: only what changed after that revision, `{revision, changes: [{op: "upsert", node} | {op: "delete", id}]}`, ' +
      'each node once with its current view, a node the filter no longer selects as a delete; or `{revision, reset: true, reason}` ' +
      'when the revision was pruned, is ahead of the log, or more changed than `limit` (default and at most 10000): list again.',
    query: [
      { name: 'status' },
      { name: 'service' },
      { name: 'region' },
      { name: 'sort', description: 'reputation or uptime (the day’s): highest first, ties by id, nodes without a figure last' },
      { name: 'minReputation', description: 'a whole number 0..100: only nodes with at least this reputation' },
      { name: 'limit', description: 'a page of at most this many nodes (1..10000); with since: at most this many changes' },
      { name: 'after', description: 'the page after this node id (the previous page’s next)' },
      { name: 'since', field: 'sinceRevision', description: 'only what changed after this revision (a delta)' },
    ],
    response: nodeListSchema,
    variant: { procedure: 'node.changes', input: nodeChangesRequestSchema, response: nodeChangesSchema, when: 'since' },
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
    input: topologyRequestSchema,
    summary: 'The network: counts by status, active and offline nodes, and services by type',
    description:
      'Up to 10000 active and offline nodes, `nodes` lists them; beyond, `nodes` is empty and `nodesOmitted` says how many ' +
      'there are and how to ask (GET /nodes?limit=…, or ?nodes=all). ?nodes=all or ?nodes=none chooses either way.',
    query: [{ name: 'nodes', description: 'all: list every node; none: counts and services only' }],
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
    errors: [...SIGNATURE_ERRORS, 'NODE_NOT_FOUND', 'NODE_DENIED', 'NODE_CHANGED', ...IDENTITY_CODES],
  },
  {
    method: 'POST',
    path: '/rotate-key',
    procedure: 'node.rotateKey',
    input: rotateKeyRequestSchema,
    summary:
      'A node replaces its key: signed by its current key (`signature`) and by the new key (`newKeySignature`); status, approval, services and history stay, the old key is refused from then on; records node.key_rotated',
    signed: 'rotate-key',
    response: keyRotationResultSchema,
    errors: [...SIGNATURE_ERRORS, 'NODE_NOT_FOUND', 'NODE_DENIED', 'NODE_CHANGED', 'PUBLIC_KEY_TAKEN'],
  },
  {
    method: 'POST',
    path: '/force-rotate-key/:nodeId',
    procedure: 'sovereign.forceRotateKey',
    input: forceRotateKeyRequestSchema,
    summary:
      'A sovereign replaces the key of a node whose key is lost: the node goes back to pending under the new key, to be approved again; records node.key_rotated. Under MESH_QUORUM, the sovereigns must sign the same new key for the same current key',
    signed: 'force-rotate-key',
    pathFields: { nodeId: 'nodeId' },
    response: keyRotationResultSchema,
    accepted: QUORUM_PENDING,
    errors: [...DECISION_ERRORS, 'NODE_DENIED', 'PUBLIC_KEY_TAKEN'],
  },
  {
    method: 'POST',
    path: '/sovereign/add',
    procedure: 'sovereign.add',
    input: sovereignAddRequestSchema,
    summary: 'Add a sovereign key (signed by an existing sovereign)',
    signed: 'sovereign-add',
    response: sovereignResultSchema,
    accepted: QUORUM_PENDING,
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
    accepted: QUORUM_PENDING,
    errors: [...SIGNATURE_ERRORS, 'NOT_SOVEREIGN', 'SOVEREIGN_NOT_FOUND', 'LAST_SOVEREIGN', 'QUORUM_FLOOR'],
  },
  {
    method: 'GET',
    path: '/decisions',
    procedure: 'sovereign.decisions',
    summary: 'Sovereign decisions waiting for more signatures (MESH_QUORUM), oldest first, each with its signers',
    description:
      'Signatures count for MESH_QUORUM_WINDOW_MS; a node decision counts only while the node keeps the key it names. Empty with MESH_QUORUM=1.',
    response: decisionListSchema,
    errors: [],
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
      'recorded as approved by this sovereign through this key, while MESH_ADMISSION names enrollment-key. ' +
      'Under MESH_QUORUM, the sovereigns must sign the same note, tags, maxUses and expiresAt: the one whose signature ' +
      'completes the quorum creates the key and receives its secret; the answers before carry no key.',
    signed: 'enrollment-key-create',
    response: enrollmentKeyCreateAnswerSchema,
    accepted: QUORUM_PENDING,
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
