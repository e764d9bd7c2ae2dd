import type { NodeDecisionAction, SignedAction } from './actions.js';
import type { EnrollmentKeyCreateFields, EnrollmentKeyRevokeFields } from './enrollment.js';
import type {
  HeartbeatFields,
  NodeDecisionFields,
  RegisterFields,
  ForceRotateKeyFields,
  RotateKeyFields,
  SetRegionFields,
  SovereignAddFields,
  SovereignRemoveFields,
} from './requests.js';

/**
 * The canonical signed messages of mesh's protocol, version 1 (docs/protocol.md).
 * Client and server both build messages here, from fields already validated by shared/requests.ts,
 * so the bytes a client signs are the bytes the server rebuilds.
 */

export const PROTOCOL_TAG = 'mesh-v1';
/**
 * Version 2 differs only in the register message, which appends region and zone lines, and after
 * them the enrollment key when the registration carries one. A node that declares none of them signs
 * a mesh-v1 message, so every v1 registration keeps verifying unchanged, and a v2 message can never
 * pass for a v1 one (the tag is its first line); with and without a key the v2 messages differ in
 * their number of lines, so neither passes for the other.
 */
export const PROTOCOL_TAG_V2 = 'mesh-v2';

export const NETWORK_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LINE_BREAK = /[\r\n]/;

export function canonicalMessage(
  network: string,
  action: SignedAction,
  fields: readonly string[],
  timestamp: number,
  tag: string = PROTOCOL_TAG,
): string {
  const lines = [tag, network, action, ...fields, String(timestamp)];
  for (const line of lines) {
    // Fields are validated before they get here; a line break would let one message pass for another.
    if (LINE_BREAK.test(line)) throw new Error(`a signed field may not contain a line break: ${JSON.stringify(line)}`);
  }
  return lines.join('\n');
}

function servicesLine(services: RegisterFields['services']): string {
  return services.map((service) => `${service.type}:${service.port}:${service.publicKey ?? ''}`).join(',');
}

type Unsigned<T> = Omit<T, 'signature'>;

export function registerMessage(network: string, fields: Unsigned<RegisterFields>): string {
  const v1Lines = [
    fields.nodeId,
    fields.publicKey,
    fields.tailscaleHostname,
    fields.tailscaleIP ?? '',
    servicesLine(fields.services),
  ];
  if (!fields.region && !fields.zone && !fields.enrollmentKey) {
    return canonicalMessage(network, 'register', v1Lines, fields.timestamp);
  }
  const v2Lines = [...v1Lines, fields.region ?? '', fields.zone ?? ''];
  if (fields.enrollmentKey) v2Lines.push(fields.enrollmentKey);
  return canonicalMessage(network, 'register', v2Lines, fields.timestamp, PROTOCOL_TAG_V2);
}

export function heartbeatMessage(network: string, fields: Unsigned<HeartbeatFields>): string {
  return canonicalMessage(network, 'heartbeat', [fields.nodeId, fields.tailscaleIP ?? ''], fields.timestamp);
}

export type NodeDecisionMessageFields = Pick<NodeDecisionFields, 'nodeId' | 'timestamp'> & {
  /** The public key the node registered with: a decision is bound to that registration. */
  nodePublicKey: string;
};

export function nodeDecisionMessage(network: string, action: NodeDecisionAction, fields: NodeDecisionMessageFields): string {
  return canonicalMessage(network, action, [fields.nodeId, fields.nodePublicKey], fields.timestamp);
}

/** A sovereign's correction of a node's location, bound like a decision to the node's registered key. */
export function setRegionMessage(
  network: string,
  fields: Pick<SetRegionFields, 'nodeId' | 'region' | 'zone' | 'timestamp'> & { nodePublicKey: string },
): string {
  return canonicalMessage(
    network,
    'set-region',
    [fields.nodeId, fields.nodePublicKey, fields.region ?? '', fields.zone ?? ''],
    fields.timestamp,
  );
}

export function sovereignAddMessage(
  network: string,
  fields: Pick<SovereignAddFields, 'publicKey' | 'description' | 'timestamp'>,
): string {
  return canonicalMessage(network, 'sovereign-add', [fields.publicKey, fields.description], fields.timestamp);
}

export function sovereignRemoveMessage(network: string, fields: Pick<SovereignRemoveFields, 'publicKey' | 'timestamp'>): string {
  return canonicalMessage(network, 'sovereign-remove', [fields.publicKey], fields.timestamp);
}

/**
 * A node's own key rotation. One message, signed twice: by the node's current key (the rotation is
 * the node's will) and by the new key (the node holds it). It names both keys, so neither signature
 * can be lifted onto another rotation.
 */
export function rotateKeyMessage(
  network: string,
  fields: Pick<RotateKeyFields, 'nodeId' | 'newPublicKey' | 'timestamp'> & { oldPublicKey: string },
): string {
  return canonicalMessage(network, 'rotate-key', [fields.nodeId, fields.oldPublicKey, fields.newPublicKey], fields.timestamp);
}

/** A sovereign's forced rotation, bound like a decision to the node's registered (lost) key. */
export function forceRotateKeyMessage(
  network: string,
  fields: Pick<ForceRotateKeyFields, 'nodeId' | 'newPublicKey' | 'timestamp'> & { oldPublicKey: string },
): string {
  return canonicalMessage(
    network,
    'force-rotate-key',
    [fields.nodeId, fields.oldPublicKey, fields.newPublicKey],
    fields.timestamp,
  );
}
/** A sovereign makes an enrollment key; mesh picks its id and secret, so neither is signed here. */
export function enrollmentKeyCreateMessage(
  network: string,
  fields: Pick<EnrollmentKeyCreateFields, 'note' | 'tags' | 'maxUses' | 'expiresAt' | 'timestamp'>,
): string {
  return canonicalMessage(
    network,
    'enrollment-key-create',
    [fields.note, fields.tags.join(','), String(fields.maxUses), String(fields.expiresAt)],
    fields.timestamp,
  );
}

export function enrollmentKeyRevokeMessage(
  network: string,
  fields: Pick<EnrollmentKeyRevokeFields, 'keyId' | 'timestamp'>,
): string {
  return canonicalMessage(network, 'enrollment-key-revoke', [fields.keyId], fields.timestamp);
}
