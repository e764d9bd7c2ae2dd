import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  enrollmentKeyParametersSchema,
  enrollmentKeyState,
  isEnrollmentKeyCreated,
  MAX_ENROLLMENT_TTL_MS,
  tagSchema,
  type EnrollmentKeyParameters,
} from '../../shared/enrollment.js';
import { describeIssues } from '../../shared/issues.js';
import { CliContext } from './context.js';
import { duration, when } from './output.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m`, `24h`, `7d`: how long the key works, up to a year. */
export function parseLifetime(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] as string] ?? 0) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30m, 24h or 7d');
  if (ms > MAX_ENROLLMENT_TTL_MS) throw new InvalidArgumentError('at most a year (365d)');
  return ms;
}

/** `2026-12-04T13:00:00.000Z` or ms since the Unix epoch: the exact expiry another sovereign signed. */
export function parseExpiresAt(value: string): number {
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new InvalidArgumentError('expected a time as ISO 8601 (2026-12-04T13:00:00.000Z) or ms since the Unix epoch');
  }
  return ms;
}

const shellWord = (word: string) => (/^[\w:.,/@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The command another sovereign runs to sign the same key's creation under MESH_QUORUM: the very
 * parameters, the expiry to the millisecond, or the signatures would not add up.
 */
export function cosignCommand(parameters: EnrollmentKeyParameters): string {
  const words = ['mesh', 'enrollment', 'create', '--uses', String(parameters.maxUses)];
  words.push('--expires-at', new Date(parameters.expiresAt).toISOString());
  for (const tag of parameters.tags) words.push('--tag', tag);
  if (parameters.note !== '') words.push('--note', parameters.note);
  return words.map(shellWord).join(' ');
}

/** A waiting enrollment-key-create decision's parameters, from its `value`; undefined if unreadable. */
export function waitingKeyParameters(value: string | null): EnrollmentKeyParameters | undefined {
  if (value === null) return undefined;
  try {
    const parsed = enrollmentKeyParametersSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function parseUses(value: string): number {
  const uses = Number(value);
  if (!Number.isSafeInteger(uses) || uses < 1) throw new InvalidArgumentError('must be a whole number, at least 1');
  return uses;
}

function collectTag(value: string, previous: string[] | undefined): string[] {
  const parsed = tagSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(describeIssues(parsed.error.issues, ' '));
  return [...(previous ?? []), parsed.data];
}

/** An expiry: when it is, and how far ahead (or ago). */
function expiry(ms: number, now = Date.now()): string {
  if (ms <= now) return when(ms, now);
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)}Z (in ${duration(ms - now)})`;
}

interface CreateOptions {
  note: string;
  tag?: string[];
  uses: number;
  expiresIn: number;
  expiresAt?: number;
}

/** Enrollment keys, like Headscale's pre-auth keys: a node registering with one is approved at once. */
export function addEnrollmentCommands(program: Command): void {
  const enrollment = program
    .command('enrollment')
    .description('create, list and revoke enrollment keys (a node registering with one is approved at once)');

  enrollment
    .command('create')
    .description('create an enrollment key (sovereign key); its secret is printed this once')
    .option('--note <text>', 'what the key is for, shown in the list', '')
    .option('--tag <tag>', 'a tag recorded with the key and the nodes it admits; repeat for each', collectTag)
    .addOption(new Option('--uses <n>', 'how many nodes it may admit (1: single-use)').argParser(parseUses).default(1))
    .addOption(
      new Option('--expires-in <duration>', 'how long it works: 30m, 24h, 7d...')
        .argParser(parseLifetime)
        .default(86_400_000, '24h'),
    )
    .addOption(
      new Option(
        '--expires-at <time>',
        'when it stops working instead, ISO 8601 or ms: to sign the same key as another sovereign (MESH_QUORUM)',
      )
        .argParser(parseExpiresAt)
        .conflicts('expiresIn'),
    )
    .action(async (options: CreateOptions, command: Command) => {
      const ctx = CliContext.of(command);
      const client = ctx.client();
      const key = await ctx.key();
      // Expiry by mesh's clock, not this machine's: info() measures the offset.
      await client.info();
      const created = await client.createEnrollmentKey(key, {
        note: options.note,
        tags: options.tag ?? [],
        maxUses: options.uses,
        expiresAt: options.expiresAt ?? Date.now() + client.clockOffsetMs + options.expiresIn,
      });
      // Under MESH_QUORUM a signature that did not complete the creation: the tally, and how another
      // sovereign signs the very same key.
      if (!isEnrollmentKeyCreated(created)) {
        const parameters = waitingKeyParameters(created.decision.value);
        const cosign = parameters ? `\nanother sovereign signs it with: ${cosignCommand(parameters)}` : '';
        return ctx.out.result(created, () => `${created.message}${cosign}`);
      }
      ctx.out.result(created, () =>
        ctx.out.fields([
          ['secret', created.secret],
          ['id', created.key.id],
          ['uses', created.key.maxUses === 1 ? 'single-use' : `up to ${created.key.maxUses}`],
          ['expires', expiry(created.key.expiresAt)],
          ['shown once', 'mesh keeps only its hash: give it to the node as --enrollment-key or MESH_ENROLLMENT_KEY'],
        ]),
      );
    });

  enrollment
    .command('ls')
    .description('list the enrollment keys (metadata only)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const list = await ctx.client().listEnrollmentKeys();
      const now = Date.now();
      ctx.out.result(list, ({ keys }) =>
        ctx.out.table(keys, [
          { header: 'ID', value: (k) => k.id },
          { header: 'STATE', value: (k) => enrollmentKeyState(k, now) },
          { header: 'USES', value: (k) => `${k.uses}/${k.maxUses}` },
          { header: 'EXPIRES', value: (k) => expiry(k.expiresAt, now) },
          { header: 'TAGS', value: (k) => k.tags.join(',') || '-' },
          { header: 'NOTE', value: (k) => k.note || '-' },
          { header: 'CREATED BY', value: (k) => `${k.createdBy.slice(0, 16)}…` },
        ]),
      );
    });

  enrollment
    .command('revoke')
    .description('revoke an enrollment key (sovereign key): it admits nobody from then on')
    .argument('<id>', 'the key id, as `mesh enrollment ls` shows it')
    .action(async (keyId: string, _options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const result = await ctx.client().revokeEnrollmentKey(await ctx.key(), keyId);
      ctx.out.result(result, () => result.message);
    });
}
