import { z } from 'zod';
import type { MeshErrorCode } from './errors.js';

/** MESH_IDENTITY: no check; check, record and show; check and refuse what fails. */
export const IDENTITY_MODES = ['off', 'advisory', 'required'] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

/** match: every check passed; mismatch: tailscaled answered and a check failed; error: mesh could not ask. */
export const IDENTITY_RESULTS = ['match', 'mismatch', 'error'] as const;
export type IdentityResult = (typeof IDENTITY_RESULTS)[number];

/**
 * The first check that failed, as the mesh error code MESH_IDENTITY=required refuses with (403):
 * the peer address is outside MESH_TAILNET_PREFIXES; it is not the claimed tailscaleIP or not among
 * WhoIs's Node.Addresses; the hostname matches neither Node.Name nor Hostinfo.Hostname;
 * MachineAuthorized is false; none of MESH_IDENTITY_TAGS is on the node; tailscaled could not be
 * asked (socket missing, timeout, an answer other than 200, or one that is not a WhoIsResponse).
 */
export const IDENTITY_CODES = [
  'IDENTITY_NOT_IN_TAILNET',
  'IDENTITY_IP_MISMATCH',
  'IDENTITY_HOSTNAME_MISMATCH',
  'IDENTITY_MACHINE_UNAUTHORIZED',
  'IDENTITY_TAG_MISSING',
  'IDENTITY_UNAVAILABLE',
] as const satisfies readonly MeshErrorCode[];
export type IdentityCode = (typeof IDENTITY_CODES)[number];

/** What one identity check found: the evidence mesh stores with the node and shows. */
export const identityEvidenceSchema = z
  .object({
    result: z.enum(IDENTITY_RESULTS),
    /** The first failed check; null on a match. */
    code: z.enum(IDENTITY_CODES).nullable(),
    /** In words: what matched, or what did not and why. */
    reason: z.string(),
    /** The TCP peer address of the request (never X-Forwarded-For): the address tailscaled was asked about. */
    peerAddress: z.string(),
    /** From tailscale's WhoIsResponse, null where it did not answer: Node.StableID, Node.Key, Node.Name. */
    stableId: z.string().nullable(),
    nodeKey: z.string().nullable(),
    name: z.string().nullable(),
    /** Node.Tags (ACL tags such as tag:validator). */
    tags: z.array(z.string()),
    /** UserProfile.LoginName: the node's owner (for tagged nodes, tailscale's tagged-devices user). */
    user: z.string().nullable(),
    checkedAt: z.number(),
  })
  .describe(
    'The last Tailscale identity check of the node (MESH_IDENTITY): what tailscaled’s WhoIs said of the TCP peer address its registration (or a heartbeat with a new IP) came from. result: match, mismatch (code names the failed check) or error (tailscaled could not be asked). Null when the node was never checked.',
  );
export type IdentityEvidence = z.infer<typeof identityEvidenceSchema>;

/** What mesh did with a check: kept it with the node (advisory, or a match), or refused the request (required). */
export const IDENTITY_DECISIONS = ['recorded', 'refused'] as const;

/** A node.identity event: a check and what mesh did with it. */
export const identityCheckedSchema = z.object({
  evidence: identityEvidenceSchema,
  decision: z.enum(IDENTITY_DECISIONS),
  /** The request checked: a registration, or a heartbeat that changed the node's IP. */
  request: z.enum(['register', 'heartbeat']),
});
export type IdentityChecked = z.infer<typeof identityCheckedSchema>;

/** A node.identity-changed event: an address checked before answers to WhoIs as another Tailscale node now. */
export const identityChangeSchema = z.object({
  peerAddress: z.string(),
  previousStableId: z.string(),
  stableId: z.string(),
  /** The mesh node the previous check was stored with (the same node, or another that held the address). */
  previousNodeId: z.string(),
});
export type IdentityChange = z.infer<typeof identityChangeSchema>;
