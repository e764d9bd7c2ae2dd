import { decisionTally, type DecisionKind, type DecisionOutcome } from '../../shared/decisions.js';
import type { Tx } from '../../db/database.js';
import type { WriteRecord } from '../events/write-record.js';
import { recordSovereignDecision, type DecisionSignature, type QuorumRule } from './quorum.js';

const WHAT: Record<DecisionKind, string> = {
  approve: 'approval of',
  deny: 'denial of',
  remove: 'removal of',
  'sovereign-add': 'addition of sovereign key',
  'sovereign-remove': 'removal of sovereign key',
  'force-rotate': 'forced key rotation of',
  'enrollment-key-create': 'creation of',
};

/** What an answer says of a signature that decided nothing yet: pending, or a duplicate. */
export function pendingMessage(outcome: DecisionOutcome, subject: string): string {
  const what = `${WHAT[outcome.kind]} ${subject}`;
  const tally = decisionTally(outcome);
  if (outcome.duplicate) return `This key has already signed the ${what}: nothing changed (${tally}).`;
  const missing = outcome.needed - outcome.signatures;
  const by = outcome.expiresAt === null ? '' : ` by ${new Date(outcome.expiresAt).toISOString()}`;
  return `Signed the ${what}: ${tally}; pending until ${missing} more sovereign${missing === 1 ? '' : 's'} sign${missing === 1 ? 's' : ''} it${by}.`;
}

/**
 * The answer of a decision that took effect: as it always was under MESH_QUORUM=1, and with the
 * decision's tally when a quorum was needed.
 */
export function withDecision<T extends object>(answer: T, outcome: DecisionOutcome, rule: QuorumRule): T {
  return rule.quorum <= 1 ? answer : { ...answer, decision: outcome };
}

/** The answer to a signature that decided nothing yet: what stays as it is, the message, the tally. */
export type PendingAnswer<Unchanged> = Unchanged & { success: true; message: string; decision: DecisionOutcome };

/**
 * Signs `signature` through the quorum gate (recordSovereignDecision) and answers: `apply`'s answer
 * once the decision takes effect (withDecision), otherwise `unchanged` with the pending message
 * about `subject` and the tally.
 */
export async function decideByQuorum<Applied extends object, Unchanged extends object>(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  signature: DecisionSignature,
  now: number,
  decision: { subject: string; unchanged: Unchanged; apply: () => Promise<Applied> },
): Promise<Applied | PendingAnswer<Unchanged>> {
  const outcome = await recordSovereignDecision(tx, record, rule, signature, now);
  if (!outcome.effective) {
    return { success: true, ...decision.unchanged, message: pendingMessage(outcome, decision.subject), decision: outcome };
  }
  return withDecision(await decision.apply(), outcome, rule);
}
