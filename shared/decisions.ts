import { z } from 'zod';

/**
 * The sovereign decisions MESH_QUORUM gates: each takes effect once that many distinct sovereigns
 * signed it, about the same target, within MESH_QUORUM_WINDOW_MS. A new sovereign action that must
 * go through the quorum adds its kind here (and to NODE_DECISION_KINDS when it is about a node).
 */
export const DECISION_KINDS = [
  'approve',
  'deny',
  'remove',
  'sovereign-add',
  'sovereign-remove',
  'force-rotate',
  'enrollment-key-create',
] as const;
export const decisionKindSchema = z.enum(DECISION_KINDS);
export type DecisionKind = z.infer<typeof decisionKindSchema>;

/** Kinds whose target is a node: bound to the node's key at signing, void once the node's key changes. */
export const NODE_DECISION_KINDS: readonly DecisionKind[] = ['approve', 'deny', 'remove', 'force-rotate'];

export const decisionSignerSchema = z.object({
  publicKey: z.string(),
  /** mesh's time when it recorded the signature; it counts until signedAt + windowMs. */
  signedAt: z.number(),
});

/** One decision, as far as the sovereigns have signed it. */
export const sovereignDecisionSchema = z.object({
  kind: decisionKindSchema,
  /**
   * The node id for node decisions; the key being added or removed for sovereign decisions; for an
   * enrollment-key-create, the SHA-256 (hex) of its parameters as `value` spells them.
   */
  target: z.string(),
  /**
   * The key the decision is about: the node's public key when it was signed, or the sovereign key
   * itself (an enrollment-key-create repeats `target`: there is no key yet).
   */
  targetKey: z.string(),
  /**
   * What the decision would set, part of what is signed: the new key of a force-rotate (signatures
   * for different new keys never add up), the parameters of an enrollment-key-create as JSON
   * (`{note, tags, maxUses, expiresAt}`). Null for kinds that set nothing.
   */
  value: z.string().nullable(),
  /** Distinct sovereigns who signed it within the window. */
  signatures: z.number().int(),
  /** MESH_QUORUM: signatures it takes to take effect. */
  needed: z.number().int(),
  signers: z.array(decisionSignerSchema),
  /** It took effect (with this signature): its signatures are spent. */
  effective: z.boolean(),
  /** When its oldest signature leaves the window, unless it took effect; null once effective. */
  expiresAt: z.number().nullable(),
});
export type SovereignDecision = z.infer<typeof sovereignDecisionSchema>;

/** What one signature did to a decision: `duplicate` when its signer had signed it already (nothing changed). */
export const decisionOutcomeSchema = sovereignDecisionSchema.extend({ duplicate: z.boolean() });
export type DecisionOutcome = z.infer<typeof decisionOutcomeSchema>;

/** GET /decisions: the decisions waiting for more signatures, oldest first. */
export const decisionListSchema = z.object({
  quorum: z.number().int(),
  windowMs: z.number().int(),
  decisions: z.array(sovereignDecisionSchema),
});
export type DecisionList = z.infer<typeof decisionListSchema>;

/** What a decision.signed or decision.expired event says. */
export const decisionEventSchema = sovereignDecisionSchema.extend({
  duplicate: z.boolean().optional(),
  /** decision.expired: why its signatures no longer count. */
  expiredBecause: z.enum(['window', 'key-changed', 'target-gone', 'signer-removed', 'superseded']).optional(),
});
export type DecisionEvent = z.infer<typeof decisionEventSchema>;

/**
 * An answer that recorded a signature but decided nothing yet: REST sends it as 202 Accepted. A
 * duplicate signature changed nothing and is a plain 200; with MESH_QUORUM=1 no answer carries a
 * decision, so every answer stays as it was.
 */
export function isPendingDecision(answer: unknown): boolean {
  if (typeof answer !== 'object' || answer === null || !('decision' in answer)) return false;
  const { decision } = answer as { decision?: Partial<DecisionOutcome> };
  return decision?.effective === false && decision.duplicate === false;
}

/** "approval", "denial"...: how `mesh pending` and answers name a kind, counted ("1 of 2 approvals"). */
export const DECISION_NOUNS: Record<DecisionKind, string> = {
  approve: 'approvals',
  deny: 'denials',
  remove: 'removals',
  'sovereign-add': 'sovereign additions',
  'sovereign-remove': 'sovereign removals',
  'force-rotate': 'forced key rotations',
  'enrollment-key-create': 'enrollment key creations',
};

/** "1 of 2 approvals" */
export function decisionTally(decision: Pick<SovereignDecision, 'kind' | 'signatures' | 'needed'>): string {
  return `${decision.signatures} of ${decision.needed} ${DECISION_NOUNS[decision.kind]}`;
}
