import { z } from 'zod';
import { decisionOutcomeSchema } from './decisions.js';
import { descriptionSchema, publicKeyHexSchema, signatureSchema, timestampSchema } from './fields.js';

/**
 * Enrollment keys: a sovereign makes one (signed), mesh keeps only its SHA-256 and shows the secret
 * once; a node whose signed registration carries a valid one is approved at once, as by the key's
 * creator through that key (see README, Enrollment keys).
 */

/** `mesh-ek-` and 64 lowercase hex characters: 32 random bytes, so the hash mesh keeps cannot be reversed. */
export const ENROLLMENT_KEY_PATTERN = /^mesh-ek-[0-9a-f]{64}$/;
/** The public handle of a key, in lists and events: 16 hex characters, unrelated to its secret. */
export const ENROLLMENT_KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9:._-]{0,63}$/;
export const MAX_TAGS = 16;
export const MAX_ENROLLMENT_USES = 1_000_000;
/** Keys are short-lived by design: at most a year. */
export const MAX_ENROLLMENT_TTL_MS = 365 * 24 * 60 * 60 * 1000;

export const enrollmentKeySchema = z
  .string()
  .regex(ENROLLMENT_KEY_PATTERN, 'must be an enrollment key: mesh-ek- and 64 lowercase hex characters, as mesh printed it');
export const enrollmentKeyIdSchema = z
  .string()
  .regex(ENROLLMENT_KEY_ID_PATTERN, 'must be an enrollment key id: 16 hex characters');
export const tagSchema = z
  .string()
  .regex(TAG_PATTERN, 'must be 1-64 lowercase letters, digits, ":", ".", "_" or "-", e.g. tag:validator');

const tagsSchema = z
  .array(tagSchema)
  .max(MAX_TAGS, `must list at most ${MAX_TAGS} tags`)
  .refine((tags) => new Set(tags).size === tags.length, 'must not list a tag twice');

export const enrollmentKeyCreateRequestSchema = z.object({
  note: descriptionSchema.default(''),
  tags: tagsSchema.default([]),
  /** 1: single-use; more: reusable that many times. */
  maxUses: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_ENROLLMENT_USES).default(1),
  /** When the key stops working, ms since the Unix epoch: in the future, at most a year ahead. */
  expiresAt: timestampSchema,
  approverPublicKey: publicKeyHexSchema,
  timestamp: timestampSchema,
  signature: signatureSchema,
});
export type EnrollmentKeyCreateFields = z.output<typeof enrollmentKeyCreateRequestSchema>;

export const enrollmentKeyRevokeRequestSchema = z.object({
  keyId: enrollmentKeyIdSchema,
  approverPublicKey: publicKeyHexSchema,
  timestamp: timestampSchema,
  signature: signatureSchema,
});
export type EnrollmentKeyRevokeFields = z.output<typeof enrollmentKeyRevokeRequestSchema>;

/** A key as lists and events show it: never its secret nor its hash. */
export const enrollmentKeyViewSchema = z.object({
  id: z.string(),
  note: z.string(),
  tags: z.array(z.string()),
  uses: z.number().int(),
  maxUses: z.number().int(),
  expiresAt: z.number(),
  createdAt: z.number(),
  /** The sovereign key that signed its creation: nodes it admits are recorded as approved by this key. */
  createdBy: z.string(),
  revokedAt: z.number().nullable(),
  revokedBy: z.string().nullable(),
});
export type EnrollmentKeyView = z.infer<typeof enrollmentKeyViewSchema>;

export const enrollmentKeyCreatedSchema = z.object({
  success: z.literal(true),
  key: enrollmentKeyViewSchema,
  /** The secret, shown this once: mesh keeps only its SHA-256. */
  secret: z.string(),
  message: z.string(),
  /** Only with MESH_QUORUM above 1: the decision whose last signature created the key. */
  decision: decisionOutcomeSchema.optional(),
});
export type EnrollmentKeyCreated = z.infer<typeof enrollmentKeyCreatedSchema>;

/**
 * With MESH_QUORUM above 1, a signature that did not complete the creation (or signed it again):
 * no key and no secret yet, the tally in `decision`.
 */
export const enrollmentKeyPendingSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  decision: decisionOutcomeSchema,
});
export type EnrollmentKeyPending = z.infer<typeof enrollmentKeyPendingSchema>;

/** What POST /enrollment-keys answers: the key and its secret, or (under MESH_QUORUM) the tally so far. */
export const enrollmentKeyCreateAnswerSchema = z.union([enrollmentKeyCreatedSchema, enrollmentKeyPendingSchema]);
export type EnrollmentKeyCreateAnswer = z.infer<typeof enrollmentKeyCreateAnswerSchema>;

/** The answer made the key (and carries its secret), rather than recording a signature towards it. */
export function isEnrollmentKeyCreated(answer: EnrollmentKeyCreateAnswer): answer is EnrollmentKeyCreated {
  return 'secret' in answer;
}

/** The parameters a key's creation decides, as a decision's `value` carries them (see server/services/enrollment-decisions.ts). */
export const enrollmentKeyParametersSchema = z.object({
  note: z.string(),
  tags: z.array(z.string()),
  maxUses: z.number().int(),
  expiresAt: z.number(),
});
export type EnrollmentKeyParameters = z.infer<typeof enrollmentKeyParametersSchema>;

export const enrollmentKeyRevokedSchema = z.object({
  success: z.literal(true),
  key: enrollmentKeyViewSchema,
  message: z.string(),
});
export type EnrollmentKeyRevoked = z.infer<typeof enrollmentKeyRevokedSchema>;

export const enrollmentKeyListSchema = z.object({ keys: z.array(enrollmentKeyViewSchema) });
export type EnrollmentKeyList = z.infer<typeof enrollmentKeyListSchema>;

/** Whether a key still admits nodes at `now`, and if not why (for lists and refusals alike). */
export function enrollmentKeyState(
  key: Pick<EnrollmentKeyView, 'uses' | 'maxUses' | 'expiresAt' | 'revokedAt'>,
  now: number,
): 'usable' | 'revoked' | 'expired' | 'spent' {
  if (key.revokedAt !== null) return 'revoked';
  if (now >= key.expiresAt) return 'expired';
  if (key.uses >= key.maxUses) return 'spent';
  return 'usable';
}
