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
} from '../../shared/messages.js';
import type { SignedAction } from '../../shared/actions.js';
import type { SignedFields } from '../../shared/requests.js';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { readNodeView } from '../services/node-views.js';

export interface SignedCheck {
  action: SignedAction;
  /** The key whose signature was verified. */
  signerKey: string;
  /** The key of the node or sovereign the request is about, as the signed message covers it. */
  subjectKey: string;
  timestamp: number;
  /** A key rotation's new key, whose proof of possession was verified too: its timestamp is accepted with the signer's. */
  newKey?: string;
}

type AnySignedFields = SignedFields<SignedAction>;

interface SignedMessage {
  signerKey: string;
  subjectKey: string;
  message: string;
}

/**
 * The key a node registered with. The snapshot knows it, unless another mesh process sharing the
 * database registered the node a moment ago and its event has not been read yet: then ask the database.
 */
async function registeredNodeKey(ctx: MeshContext, nodeId: string): Promise<string> {
  const node = ctx.registry.getNode(nodeId) ?? (await ctx.database.read((db) => readNodeView(db, nodeId)));
  if (!node) throw new MeshError('NODE_NOT_FOUND', `no node ${nodeId} is registered`);
  return node.public_key;
}

/** Rebuilds, from validated fields only, the message the client must have signed. */
async function rebuildMessage(ctx: MeshContext, action: SignedAction, fields: AnySignedFields): Promise<SignedMessage> {
  const network = ctx.config.network;
  switch (action) {
    case 'register': {
      const request = fields as SignedFields<'register'>;
      return { signerKey: request.publicKey, subjectKey: request.publicKey, message: registerMessage(network, request) };
    }
    case 'heartbeat': {
      const request = fields as SignedFields<'heartbeat'>;
      const nodeKey = await registeredNodeKey(ctx, request.nodeId);
      return { signerKey: nodeKey, subjectKey: nodeKey, message: heartbeatMessage(network, request) };
    }
    case 'approve':
    case 'deny':
    case 'remove': {
      const request = fields as SignedFields<'approve'>;
      const nodeKey = await registeredNodeKey(ctx, request.nodeId);
      const message = nodeDecisionMessage(network, action, {
        nodeId: request.nodeId,
        nodePublicKey: nodeKey,
        timestamp: request.timestamp,
      });
      return { signerKey: request.approverPublicKey, subjectKey: nodeKey, message };
    }
    case 'set-region': {
      const request = fields as SignedFields<'set-region'>;
      const nodeKey = await registeredNodeKey(ctx, request.nodeId);
      const message = setRegionMessage(network, { ...request, nodePublicKey: nodeKey });
      return { signerKey: request.approverPublicKey, subjectKey: nodeKey, message };
    }
    case 'rotate-key': {
      const request = fields as SignedFields<'rotate-key'>;
      const nodeKey = await registeredNodeKey(ctx, request.nodeId);
      return {
        signerKey: nodeKey,
        subjectKey: nodeKey,
        message: rotateKeyMessage(network, { ...request, oldPublicKey: nodeKey }),
      };
    }
    case 'force-rotate-key': {
      const request = fields as SignedFields<'force-rotate-key'>;
      const nodeKey = await registeredNodeKey(ctx, request.nodeId);
      const message = forceRotateKeyMessage(network, { ...request, oldPublicKey: nodeKey });
      return { signerKey: request.approverPublicKey, subjectKey: nodeKey, message };
    }
    case 'sovereign-add': {
      const request = fields as SignedFields<'sovereign-add'>;
      return {
        signerKey: request.approverPublicKey,
        subjectKey: request.publicKey,
        message: sovereignAddMessage(network, request),
      };
    }
    case 'sovereign-remove': {
      const request = fields as SignedFields<'sovereign-remove'>;
      return {
        signerKey: request.approverPublicKey,
        subjectKey: request.publicKey,
        message: sovereignRemoveMessage(network, request),
      };
    }
    case 'enrollment-key-create': {
      const request = fields as SignedFields<'enrollment-key-create'>;
      const signer = request.approverPublicKey;
      return { signerKey: signer, subjectKey: signer, message: enrollmentKeyCreateMessage(network, request) };
    }
    case 'enrollment-key-revoke': {
      const request = fields as SignedFields<'enrollment-key-revoke'>;
      const signer = request.approverPublicKey;
      return { signerKey: signer, subjectKey: signer, message: enrollmentKeyRevokeMessage(network, request) };
    }
  }
}

function checkFreshness(ctx: MeshContext, timestamp: number): void {
  const skew = timestamp - ctx.clock.now();
  // The future gets far less room than the past: each key's next timestamp must be later than its
  // last accepted one, so a timestamp accepted far ahead would lock the key out until then.
  const limit = skew < 0 ? ctx.config.maxSkewMs : ctx.config.maxFutureSkewMs;
  if (Math.abs(skew) > limit) {
    ctx.metrics.signatureFailed(skew < 0 ? 'stale' : 'future');
    throw new MeshError(
      'STALE_TIMESTAMP',
      `timestamp is ${Math.abs(skew)} ms ${skew < 0 ? 'in the past' : 'in the future'}; at most ${limit} ms ${
        skew < 0 ? 'in the past (MESH_MAX_SKEW_MS)' : 'in the future (MESH_MAX_FUTURE_SKEW_MS)'
      } is accepted: check the clock (mesh's time is in GET /health, serverTime)`,
    );
  }
  // The restore floor: whatever the lost database accepted, from any key, was signed before it.
  if (timestamp <= ctx.signedAfter) {
    ctx.metrics.signatureFailed('replay');
    throw new MeshError(
      'REPLAYED_TIMESTAMP',
      `timestamp is not after ${new Date(ctx.signedAfter).toISOString()}: this database was restored, and requests signed before then may have been accepted by the database it replaces; sign again with the current time`,
    );
  }
}

/**
 * The checks of a signed request that need no transaction: the timestamp is fresh and the signature
 * verifies over the message rebuilt from the request. Replay and the signer's rights are checked in
 * the request's transaction (see admit.ts).
 */
export async function checkSignature(ctx: MeshContext, action: SignedAction, fields: AnySignedFields): Promise<SignedCheck> {
  checkFreshness(ctx, fields.timestamp);
  if (!fields.signature) {
    ctx.metrics.signatureFailed('missing');
    throw new MeshError('MISSING_SIGNATURE', 'signature is missing: this request must be signed');
  }
  const { signerKey, subjectKey, message } = await rebuildMessage(ctx, action, fields);
  if (!(await ctx.verifier.verify(signerKey, message, fields.signature))) {
    ctx.metrics.signatureFailed('bad_signature');
    throw new MeshError(
      'BAD_SIGNATURE',
      `signature does not verify: sign the ${action} message of protocol ${message.slice(0, message.indexOf('\n'))} for network "${ctx.config.network}" with the ${
        action === 'register'
          ? "node's own"
          : action === 'heartbeat' || action === 'rotate-key'
            ? "node's registered"
            : 'approver'
      } key`,
    );
  }
  if (action === 'rotate-key') {
    const newKey = await checkProofOfPossession(ctx, fields as SignedFields<'rotate-key'>, message);
    return { action, signerKey, subjectKey, timestamp: fields.timestamp, newKey };
  }
  return { action, signerKey, subjectKey, timestamp: fields.timestamp };
}

/**
 * A rotation's second signature: the new key signs the same message, so a node cannot move onto a
 * key it does not hold (someone else's, which would lock that key's owner out of mesh).
 */
async function checkProofOfPossession(ctx: MeshContext, request: SignedFields<'rotate-key'>, message: string): Promise<string> {
  if (!request.newKeySignature) {
    ctx.metrics.signatureFailed('missing');
    throw new MeshError('MISSING_SIGNATURE', 'newKeySignature is missing: the new key must sign the rotate-key message too');
  }
  if (!(await ctx.verifier.verify(request.newPublicKey, message, request.newKeySignature))) {
    ctx.metrics.signatureFailed('bad_signature');
    throw new MeshError(
      'BAD_SIGNATURE',
      `newKeySignature does not verify: sign the rotate-key message of protocol mesh-v1 for network "${ctx.config.network}" with the new key as well`,
    );
  }
  return request.newPublicKey;
}
