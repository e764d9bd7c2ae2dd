import { SIGNER_OF, type SignedAction } from '../../shared/actions.js';
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

/** A field's place in a message template: `{name}`. */
const slot = (name: string) => `{${name}}`;
// The message builders take validated fields; here they are given placeholders instead, so the
// templates come from the code that builds the real messages and cannot drift from it.
const placeholder = (name: string) => slot(name) as never;

/** The canonical message a request of `action` signs, with `{field}` where the request's values go. */
export function signedMessageTemplate(action: SignedAction, network: string): string {
  const timestamp = placeholder('timestamp');
  switch (action) {
    case 'register':
      return registerMessage(network, {
        nodeId: slot('nodeId'),
        publicKey: slot('publicKey'),
        tailscaleHostname: slot('tailscaleHostname'),
        tailscaleIP: slot('tailscaleIP'),
        services: [{ type: slot('type'), port: placeholder('port'), publicKey: slot('servicePublicKey') }],
        timestamp,
      });
    case 'heartbeat':
      return heartbeatMessage(network, { nodeId: slot('nodeId'), tailscaleIP: slot('tailscaleIP'), timestamp });
    case 'approve':
    case 'deny':
    case 'remove':
      return nodeDecisionMessage(network, action, { nodeId: slot('nodeId'), nodePublicKey: slot('nodePublicKey'), timestamp });
    case 'set-region':
      return setRegionMessage(network, {
        nodeId: slot('nodeId'),
        nodePublicKey: slot('nodePublicKey'),
        region: slot('region'),
        zone: slot('zone'),
        timestamp,
      });
    case 'rotate-key':
      return rotateKeyMessage(network, {
        nodeId: slot('nodeId'),
        oldPublicKey: slot('nodePublicKey'),
        newPublicKey: slot('newPublicKey'),
        timestamp,
      });
    case 'force-rotate-key':
      return forceRotateKeyMessage(network, {
        nodeId: slot('nodeId'),
        oldPublicKey: slot('nodePublicKey'),
        newPublicKey: slot('newPublicKey'),
        timestamp,
      });
    case 'sovereign-add':
      return sovereignAddMessage(network, { publicKey: slot('publicKey'), description: slot('description'), timestamp });
    case 'sovereign-remove':
      return sovereignRemoveMessage(network, { publicKey: slot('publicKey'), timestamp });
    case 'enrollment-key-create':
      return enrollmentKeyCreateMessage(network, {
        note: slot('note'),
        tags: [slot('tags')],
        maxUses: placeholder('maxUses'),
        expiresAt: placeholder('expiresAt'),
        timestamp,
      });
    case 'enrollment-key-revoke':
      return enrollmentKeyRevokeMessage(network, { keyId: slot('keyId'), timestamp });
  }
}

const SIGNERS = {
  self: 'the key in `publicKey` (proof of owning it)',
  node: 'the key the node registered with',
  sovereign: 'the sovereign key in `approverPublicKey`',
} as const;

const NOTES: Partial<Record<SignedAction, string>> = {
  register:
    '`{tailscaleIP}` is empty when absent. The services line holds one `{type}:{port}:{servicePublicKey}` per ' +
    'service in request order, comma-separated (`{servicePublicKey}` empty when absent); the line is empty without services. ' +
    'A registration with `region` or `zone` signs the mesh-v2 message instead: `mesh-v2` as its first line, and two more ' +
    'lines after the services line, region then zone (each empty when absent), before the timestamp. A registration with ' +
    '`enrollmentKey` signs the mesh-v2 message too, with the key as given on one more line after the zone line.',
  heartbeat: '`{tailscaleIP}` is empty when absent.',
  approve: '`{nodePublicKey}` is the key the node registered with: a decision is bound to that registration.',
  deny: '`{nodePublicKey}` is the key the node registered with: a decision is bound to that registration.',
  remove: '`{nodePublicKey}` is the key the node registered with: a decision is bound to that registration.',
  'sovereign-add': '`{description}` is empty when absent.',
  'rotate-key':
    '`{nodePublicKey}` is the key the node has now (the one that signs `signature`); `newKeySignature` is the new key’s ' +
    'signature over the same message, its proof of possession.',
  'force-rotate-key': '`{nodePublicKey}` is the key the node has now (the lost one); `{newPublicKey}` replaces it.',
  'enrollment-key-create':
    '`{note}` is empty when absent; `{tags}` is the tags in request order joined by `,` (empty when none); `{maxUses}` is 1 when absent.',
  'set-region':
    '`{nodePublicKey}` is the key the node registered with; `{region}` and `{zone}` are empty when absent (which clears them).',
};

/** What the `signature` field of a request of `action` is, for the API document. */
export function signatureDescription(action: SignedAction, network: string): string {
  return [
    `Ed25519 signature (128 hex characters) by ${SIGNERS[SIGNER_OF[action]]} over the UTF-8 bytes of these lines, ` +
      'joined by "\\n" with no trailing newline:',
    '',
    '```',
    signedMessageTemplate(action, network),
    '```',
    '',
    `${NOTES[action] ?? ''} \`{timestamp}\` is the request's \`timestamp\` in decimal; it must be within the server's ` +
      'clock skew and newer than any earlier request by the same key.',
  ].join('\n');
}
