import {
  forceRotateKeyMessage,
  enrollmentKeyCreateMessage,
  enrollmentKeyRevokeMessage,
  heartbeatMessage,
  nodeDecisionMessage,
  registerMessage,
  rotateKeyMessage,
  setRegionMessage,
  sovereignAddMessage,
  sovereignRemoveMessage,
} from '../shared/messages.js';
import type { NodeDecisionAction } from '../shared/actions.js';
import {
  forceRotateKeyRequestSchema,
  heartbeatRequestSchema,
  nodeDecisionRequestSchema,
  registerRequestSchema,
  rotateKeyRequestSchema,
  setRegionRequestSchema,
  sovereignAddRequestSchema,
  sovereignRemoveRequestSchema,
  type ForceRotateKeyFields,
  type HeartbeatFields,
  type NodeDecisionFields,
  type RegisterFields,
  type RegisterRequest,
  type RotateKeyFields,
  type SetRegionFields,
  type SovereignAddFields,
  type SovereignRemoveFields,
} from '../shared/requests.js';
import {
  enrollmentKeyCreateRequestSchema,
  enrollmentKeyRevokeRequestSchema,
  type EnrollmentKeyCreateFields,
  type EnrollmentKeyRevokeFields,
} from '../shared/enrollment.js';
import type { Signer } from './signer.js';

// Each builder validates its fields with the server's own schema first (lowering hex, filling
// defaults), so the message signed here is byte for byte the one mesh rebuilds.

export interface SignOptions {
  network: string;
  /** Overrides the signer's next timestamp: for tests and for replaying on purpose. */
  timestamp?: number;
}

export type Registration = Omit<RegisterRequest, 'publicKey' | 'timestamp' | 'signature'>;

export function signedRegister(signer: Signer, registration: Registration, options: SignOptions): RegisterFields {
  const fields = registerRequestSchema.parse({
    ...registration,
    publicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  return { ...fields, signature: signer.sign(registerMessage(options.network, fields)) };
}

export function signedHeartbeat(
  signer: Signer,
  heartbeat: { nodeId: string; tailscaleIP?: string | null | undefined },
  options: SignOptions,
): HeartbeatFields {
  const fields = heartbeatRequestSchema.parse({ ...heartbeat, timestamp: options.timestamp ?? signer.nextTimestamp() });
  return { ...fields, signature: signer.sign(heartbeatMessage(options.network, fields)) };
}

/** approve, deny or remove, bound to the public key the node registered with. */
export function signedNodeDecision(
  signer: Signer,
  action: NodeDecisionAction,
  node: { nodeId: string; nodePublicKey: string },
  options: SignOptions,
): NodeDecisionFields {
  const fields = nodeDecisionRequestSchema.parse({
    nodeId: node.nodeId,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  const message = nodeDecisionMessage(options.network, action, {
    nodeId: fields.nodeId,
    nodePublicKey: node.nodePublicKey.toLowerCase(),
    timestamp: fields.timestamp,
  });
  return { ...fields, signature: signer.sign(message) };
}

/** A sovereign's setting of a node's region and zone (absent ones are cleared), bound to the node's registered key. */
export function signedSetRegion(
  signer: Signer,
  node: { nodeId: string; nodePublicKey: string; region?: string | null | undefined; zone?: string | null | undefined },
  options: SignOptions,
): SetRegionFields {
  const fields = setRegionRequestSchema.parse({
    nodeId: node.nodeId,
    region: node.region,
    zone: node.zone,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  const message = setRegionMessage(options.network, { ...fields, nodePublicKey: node.nodePublicKey.toLowerCase() });
  return { ...fields, signature: signer.sign(message) };
}

export function signedSovereignAdd(
  signer: Signer,
  sovereign: { publicKey: string; description?: string | undefined },
  options: SignOptions,
): SovereignAddFields {
  const fields = sovereignAddRequestSchema.parse({
    ...sovereign,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  return { ...fields, signature: signer.sign(sovereignAddMessage(options.network, fields)) };
}

export function signedSovereignRemove(signer: Signer, publicKey: string, options: SignOptions): SovereignRemoveFields {
  const fields = sovereignRemoveRequestSchema.parse({
    publicKey,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  return { ...fields, signature: signer.sign(sovereignRemoveMessage(options.network, fields)) };
}

/**
 * A node's rotation from `oldSigner`'s key (the one mesh knows) to `newSigner`'s: one message, signed
 * by both, with one timestamp later than either key's last. mesh then expects both keys' next
 * timestamps to be later still, and both signers are advanced to it.
 */
export function signedRotateKey(oldSigner: Signer, newSigner: Signer, nodeId: string, options: SignOptions): RotateKeyFields {
  const timestamp = options.timestamp ?? Math.max(oldSigner.nextTimestamp(), newSigner.nextTimestamp());
  oldSigner.advanceTo(timestamp);
  newSigner.advanceTo(timestamp);
  const fields = rotateKeyRequestSchema.parse({ nodeId, newPublicKey: newSigner.publicKey, timestamp });
  const message = rotateKeyMessage(options.network, { ...fields, oldPublicKey: oldSigner.publicKey });
  return { ...fields, signature: oldSigner.sign(message), newKeySignature: newSigner.sign(message) };
}

/** A sovereign's replacement of a node's lost key, bound to the key the node has now (`nodePublicKey`). */
export function signedForceRotateKey(
  signer: Signer,
  node: { nodeId: string; nodePublicKey: string; newPublicKey: string },
  options: SignOptions,
): ForceRotateKeyFields {
  const fields = forceRotateKeyRequestSchema.parse({
    nodeId: node.nodeId,
    newPublicKey: node.newPublicKey,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  const message = forceRotateKeyMessage(options.network, { ...fields, oldPublicKey: node.nodePublicKey.toLowerCase() });
  return { ...fields, signature: signer.sign(message) };
}

/** What a sovereign asks of a new enrollment key; mesh draws its id and secret. */
export interface EnrollmentKeyOptions {
  note?: string | undefined;
  tags?: string[] | undefined;
  /** 1 (the default): single-use; more: reusable that many times. */
  maxUses?: number | undefined;
  /** ms since the Unix epoch. */
  expiresAt: number;
}

export function signedEnrollmentKeyCreate(
  signer: Signer,
  key: EnrollmentKeyOptions,
  options: SignOptions,
): EnrollmentKeyCreateFields {
  const fields = enrollmentKeyCreateRequestSchema.parse({
    ...key,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  return { ...fields, signature: signer.sign(enrollmentKeyCreateMessage(options.network, fields)) };
}

export function signedEnrollmentKeyRevoke(signer: Signer, keyId: string, options: SignOptions): EnrollmentKeyRevokeFields {
  const fields = enrollmentKeyRevokeRequestSchema.parse({
    keyId,
    approverPublicKey: signer.publicKey,
    timestamp: options.timestamp ?? signer.nextTimestamp(),
  });
  return { ...fields, signature: signer.sign(enrollmentKeyRevokeMessage(options.network, fields)) };
}
