import { decisionTally, type SovereignDecision } from '../../shared/decisions.js';

/**
 * "1 of 2 forced key rotations to 12345678…cdef": a decision that sets a value names it, so
 * signatures for different new keys are told apart. An enrollment key's parameters (its value, in
 * JSON) are too long for a line; `mesh decisions` lists them below its table.
 */
export function tallyWithValue(decision: Pick<SovereignDecision, 'kind' | 'signatures' | 'needed' | 'value'>): string {
  return decision.value === null || decision.kind === 'enrollment-key-create'
    ? decisionTally(decision)
    : `${decisionTally(decision)} to ${decision.value.slice(0, 8)}…${decision.value.slice(-4)}`;
}
