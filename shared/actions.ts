/** The actions a signed request can take, and whose key signs each one. */

export const SIGNED_ACTIONS = [
  'register',
  'heartbeat',
  'approve',
  'deny',
  'remove',
  'sovereign-add',
  'sovereign-remove',
  'set-region',
  'rotate-key',
  'force-rotate-key',
  'enrollment-key-create',
  'enrollment-key-revoke',
] as const;
export type SignedAction = (typeof SIGNED_ACTIONS)[number];
export type NodeDecisionAction = Extract<SignedAction, 'approve' | 'deny' | 'remove'>;

/**
 * Whose key signs each action: `self`, the key the request itself carries (a registration proves
 * ownership of its own key); `node`, the key the node registered with; `sovereign`, the request's
 * `approverPublicKey`, which must belong to a sovereign.
 */
export const SIGNER_OF = {
  register: 'self',
  heartbeat: 'node',
  approve: 'sovereign',
  deny: 'sovereign',
  remove: 'sovereign',
  'sovereign-add': 'sovereign',
  'sovereign-remove': 'sovereign',
  'set-region': 'sovereign',
  // Signed by the node's current key; the new key's proof of possession is a second signature (check.ts).
  'rotate-key': 'node',
  'force-rotate-key': 'sovereign',
  'enrollment-key-create': 'sovereign',
  'enrollment-key-revoke': 'sovereign',
} as const satisfies Record<SignedAction, 'self' | 'node' | 'sovereign'>;
