import { createHash } from 'node:crypto';
import type { EnrollmentKeyCreateAnswer, EnrollmentKeyCreateFields, EnrollmentKeyParameters } from '../../shared/enrollment.js';
import type { Tx } from '../../db/database.js';
import type { WriteRecord } from '../events/write-record.js';
import { createEnrollmentKey, requireCreatableKey } from './enrollment-keys.js';
import { pendingMessage, withDecision } from './quorum-answers.js';
import { recordSovereignDecision, type QuorumRule } from './quorum.js';

/**
 * What a key's creation decides, in one fixed spelling: the decision's `value`, and (hashed) its
 * target, so only signatures on the very same note, tags (in the same order), maxUses and expiresAt
 * add up. The signed message covers each of them, so a signature cannot be moved onto others.
 */
export function enrollmentKeyParameters(request: EnrollmentKeyCreateFields): string {
  const parameters: EnrollmentKeyParameters = {
    note: request.note,
    tags: request.tags,
    maxUses: request.maxUses,
    expiresAt: request.expiresAt,
  };
  return JSON.stringify(parameters);
}

function describeKey(request: EnrollmentKeyCreateFields): string {
  const uses = request.maxUses === 1 ? 'single-use' : `reusable ${request.maxUses} times`;
  const tags = request.tags.length > 0 ? `, tags ${request.tags.join(',')}` : '';
  return `an enrollment key (${uses}, until ${new Date(request.expiresAt).toISOString()}${tags})`;
}

/**
 * A key's creation under MESH_QUORUM: a key admits nodes without any further signature, so making
 * one takes the quorum like approving a node. It is refused before it is signed when it could not
 * be made (expired already, too long-lived). The signature that completes the quorum makes the key,
 * in its signer's name, and its answer carries the secret, this once; the others carry the tally.
 * With MESH_QUORUM=1 the key is made at once, and the answer is as it always was.
 */
export async function createEnrollmentKeyByQuorum(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  request: EnrollmentKeyCreateFields,
  now: number,
): Promise<EnrollmentKeyCreateAnswer> {
  requireCreatableKey(request, now);
  const parameters = enrollmentKeyParameters(request);
  const digest = createHash('sha256').update(parameters, 'utf8').digest('hex');
  const outcome = await recordSovereignDecision(
    tx,
    record,
    rule,
    {
      kind: 'enrollment-key-create',
      target: digest,
      targetKey: digest,
      value: parameters,
      signer: request.approverPublicKey,
    },
    now,
  );
  if (!outcome.effective) {
    return { success: true, message: pendingMessage(outcome, describeKey(request)), decision: outcome };
  }
  return withDecision(await createEnrollmentKey(tx, record, request, now), outcome, rule);
}
