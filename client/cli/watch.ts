import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  EVENT_TYPES,
  type EventType,
  type PendingFullChange,
  type RateLimitedSummary,
  type RegionConcentrationChange,
  type SelfPreservationChange,
  type WatchMessage,
} from '../../shared/events.js';
import type { DecisionEvent } from '../../shared/decisions.js';
import { CliContext } from './context.js';
import { tallyWithValue } from './decision-text.js';
import type { Output } from './output.js';

function parseRevision(value: string): number {
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError('a revision is a whole number (e.g. the revision of `mesh nodes --json`)');
  return Number(value);
}

const short = (key: string | null) => (key && key.length > 16 ? `${key.slice(0, 8)}…${key.slice(-4)}` : (key ?? '-'));

// Room for revisions up to ten million: the columns after it stay put as the log grows.
const REVISION_WIDTH = 9;
const TYPE_WIDTH = Math.max(...EVENT_TYPES.map((type) => type.length));

/** What a mesh.self-preservation event says, where node events name their node. */
function selfPreservationSubject(change: SelfPreservationChange): string {
  const figures = `${change.silentNodes} of ${change.activeNodes} active nodes silent`;
  if (change.change === 'entered') return `entered (${figures})`;
  return change.exitReason === 'recovered' ? 'exited: heartbeats are back' : `exited after its maximum (${figures})`;
}

/** What a mesh.rate-limited event says: the counts, not the addresses (the event has a few). */
function rateLimitedSubject(summary: RateLimitedSummary): string {
  return `${summary.refusals} writes refused from ${summary.addresses} addresses`;
}

/** What a mesh.pending-full event says. */
function pendingFullSubject(change: PendingFullChange): string {
  return `${change.full ? 'full' : 'no longer full'} (${change.pending} of ${change.cap} pending)`;
}

/** What a mesh.concentration event says. */
function regionConcentrationSubject(change: RegionConcentrationChange): string {
  const { region, regionActiveNodes, activeNodes } = change.state;
  return change.change === 'entered'
    ? `entered (${region ?? '?'} holds ${regionActiveNodes} of ${activeNodes} active nodes)`
    : `exited (largest region ${regionActiveNodes} of ${activeNodes} active nodes)`;
}

/** What a decision.signed or decision.expired event says: the decision, its target and how far it is signed. */
function decisionSubject(decision: DecisionEvent, nodeId: string | null): string {
  return `${decision.kind} ${nodeId ?? short(decision.target)}: ${tallyWithValue(decision)}`;
}

/** One line for a person: time, revision, type, subject, actor, in columns that do not move. */
export function describeMessage(out: Output, message: WatchMessage): string {
  if (message.kind === 'reset') return `reset to revision ${message.revision}: ${message.reason}`;
  const { event } = message;
  const subject = event.selfPreservation
    ? selfPreservationSubject(event.selfPreservation)
    : event.rateLimited
      ? rateLimitedSubject(event.rateLimited)
      : event.pendingFull
        ? pendingFullSubject(event.pendingFull)
        : event.regionConcentration
          ? regionConcentrationSubject(event.regionConcentration)
          : event.decision
            ? decisionSubject(event.decision, event.nodeId)
            : (event.nodeId ?? `sovereign ${short(event.publicKey)}`);
  const status = event.node ? ` ${out.status(event.node.status)}` : '';
  const reason = event.reason === undefined ? '' : ` (${event.reason})`;
  const revision = `#${event.revision}`.padEnd(REVISION_WIDTH);
  return `${new Date(event.time).toISOString()}  ${revision}  ${event.type.padEnd(TYPE_WIDTH)}  ${subject}${status}  by ${short(event.actor)}${reason}`;
}

export function addWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('print changes to the network as they happen, resuming by itself after a cut (Ctrl-C stops)')
    .option('--since <revision>', 'start after this revision (default: from now on)', parseRevision)
    .addOption(new Option('--type <type...>', 'only these event types').choices(EVENT_TYPES))
    .option('--node <id>', 'only events about this node')
    .action(async (options: { since?: number; type?: EventType[]; node?: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const messages = ctx.client().watch({
          sinceRevision: options.since,
          types: options.type,
          nodeId: options.node,
          signal: stop.signal,
          onRetry: (error, failures) => process.stderr.write(`mesh watch: reconnecting (${failures}): ${error.message}\n`),
        });
        for await (const message of messages) {
          // One line per message: JSON lines for scripts (jq -c reads them one by one), text for people.
          process.stdout.write(`${ctx.out.json ? JSON.stringify(message) : describeMessage(ctx.out, message)}\n`);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
