import type { Command } from 'commander';
import { decisionTally, type DecisionList, type SovereignDecision } from '../../shared/decisions.js';
import type { NodeView } from '../../shared/responses.js';
import { CliContext } from './context.js';
import { cosignCommand, waitingKeyParameters } from './enrollment.js';
import { duration, nodeTable, type Output } from './output.js';

const short = (key: string) => `${key.slice(0, 8)}…${key.slice(-4)}`;

/**
 * "1 of 2 forced key rotations to 12345678…cdef": a decision that sets a value names it (a key's
 * parameters are listed below the table instead).
 */
const tallyWithValue = (decision: SovereignDecision) =>
  decision.value === null || decision.kind === 'enrollment-key-create'
    ? decisionTally(decision)
    : `${decisionTally(decision)} to ${short(decision.value)}`;

/** Enrollment keys waiting for signatures, each with the command that signs the very same key. */
function keysWaiting(waiting: DecisionList): string {
  const lines = waiting.decisions.flatMap((decision) => {
    const parameters = decision.kind === 'enrollment-key-create' ? waitingKeyParameters(decision.value) : undefined;
    return parameters ? [`  ${short(decision.target)}: ${cosignCommand(parameters)}`] : [];
  });
  return lines.length === 0
    ? ''
    : `\n\nenrollment keys waiting (another sovereign signs the same key with):\n${lines.join('\n')}`;
}

/** "1 of 2 approvals, 1 of 2 denials" for the decisions waiting about one node bound to its key, or "-". */
function tallyOf(node: NodeView, decisions: readonly SovereignDecision[]): string {
  const about = decisions.filter((decision) => decision.target === node.id && decision.targetKey === node.public_key);
  return about.length ? about.map(tallyWithValue).join(', ') : '-';
}

/**
 * Forced key rotations waiting for signatures: their node is usually not pending (its key was
 * lost while it ran), so they are listed below the table rather than in it.
 */
function rotationsWaiting(nodes: readonly NodeView[], waiting: DecisionList): string {
  const listed = new Set(nodes.map((node) => node.id));
  const rotations = waiting.decisions.filter((decision) => decision.kind === 'force-rotate' && !listed.has(decision.target));
  if (rotations.length === 0) return '';
  const lines = rotations.map((decision) => `  ${decision.target}: ${tallyWithValue(decision)}`);
  return `\n\nforced key rotations waiting (sign the same new key with mesh force-rotate-key <id> <newPublicKey>):\n${lines.join('\n')}`;
}

/** `mesh pending` under MESH_QUORUM: the nodes, each with the signatures gathered so far. */
export function pendingUnderQuorum(out: Output, nodes: NodeView[], waiting: DecisionList): string {
  const rotations = rotationsWaiting(nodes, waiting);
  if (nodes.length === 0) return `no node is waiting for approval${rotations}`;
  const table = nodeTable(out, nodes, Date.now(), [{ header: 'SIGNED', value: (node) => tallyOf(node, waiting.decisions) }]);
  return `${table}\n\ndecide with: mesh approve <id> | mesh deny <id> (each takes ${waiting.quorum} sovereigns signing within ${duration(waiting.windowMs)}; see mesh decisions)${rotations}`;
}

/** `2026-11-25 22:09:03Z (in 23h)`: when the oldest signature stops counting. */
function expiry(at: number, now: number): string {
  const time = `${new Date(at).toISOString().replace('T', ' ').slice(0, 19)}Z`;
  return at > now ? `${time} (in ${duration(at - now)})` : `${time} (passed)`;
}

function decisionsText(out: Output, waiting: DecisionList, now = Date.now()): string {
  if (waiting.quorum <= 1) return 'MESH_QUORUM is 1: every sovereign decision takes effect when it is signed, none waits';
  if (waiting.decisions.length === 0) return `no decision is waiting for signatures (MESH_QUORUM ${waiting.quorum})`;
  const table = out.table(waiting.decisions, [
    { header: 'KIND', value: (decision) => decision.kind },
    { header: 'TARGET', value: (decision) => (decision.target.length > 32 ? short(decision.target) : decision.target) },
    { header: 'SIGNED', value: tallyWithValue },
    { header: 'SIGNERS', value: (decision) => decision.signers.map((signer) => short(signer.publicKey)).join(',') },
    { header: 'EXPIRES', value: (decision) => (decision.expiresAt === null ? '-' : expiry(decision.expiresAt, now)) },
  ]);
  return `${table}${keysWaiting(waiting)}`;
}

export function addQuorumCommands(program: Command): void {
  program
    .command('decisions')
    .description('list the sovereign decisions waiting for more signatures (MESH_QUORUM)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const waiting = await ctx.client().decisions();
      ctx.out.result(waiting, () => decisionsText(ctx.out, waiting));
    });
}
