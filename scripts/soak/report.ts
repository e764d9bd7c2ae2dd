/**
 * Pure formatting for `npm run soak`: the Markdown block it prints and records, and the
 * BENCHMARKS.md page with that block as its "## Soak" section. No I/O here (report.test.ts).
 */
import { formatBytes, formatCount, formatMs, type MachineInfo } from '../bench/report.js';
import type { LockWindow } from './db-lock.js';
import type { AbuseResult, LegitResult, StatusCounts } from './jobs.js';
import type { HealthSample } from './samplers.js';
import type { SoakSettings } from './settings.js';
import { percentile, type Flatness, type MemorySample } from './verdict.js';

export interface SoakReport {
  machine: MachineInfo;
  settings: SoakSettings;
  /** The traffic's own description: who sent what, from where. */
  traffic: string;
  memory: MemorySample[];
  flatness: Flatness;
  /** Cores busy on average while the traffic ran: mesh's, and the whole machine's (the traffic and anything else). */
  cpu: { mesh: number; machine: number };
  health: HealthSample[];
  locks: LockWindow[];
  /** null when that traffic process failed (its error is in `failures`). */
  legit: LegitResult | null;
  abuse: AbuseResult | null;
  failures: string[];
  /** acked is null when the validators' process failed, so what they were told is unknown. */
  heartbeats: { acked: number | null; stored: number; lost: number };
  mesh: { diedAtMs: number | null; exit: string };
}

export const SOAK_HEADING = '## Soak';

const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(0);

/** "200 ×4,980, 429 ×12"; "—" when there is nothing. */
export function formatTally(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '—' : entries.map(([key, count]) => `${key} ×${formatCount(count)}`).join(', ');
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function clientRow(client: string, from: string, counts: StatusCounts | undefined, extra = ''): string[] {
  if (!counts) return [client, from, '—', 'its process failed', '—'];
  return [
    client,
    from,
    formatCount(total(counts.statuses) + total(counts.failures)),
    formatTally(counts.statuses) + extra,
    formatTally(counts.failures),
  ];
}

function memoryLine(report: SoakReport): string {
  const series = report.memory.map((sample) => mb(sample.rssBytes)).join(' ');
  const { flatness } = report;
  const verdict = !flatness.judged
    ? `not judged (${flatness.reason})`
    : `${flatness.flat ? '**flat**' : '**growing**'}: the last third's highest sample, ${mb(flatness.lastThirdMax)} MB, is ` +
      `${flatness.flat ? 'within' : 'more than'} ${mb(flatness.boundBytes)} MB above the first third's, ${mb(flatness.firstThirdMax)} MB`;
  return `- **Resident memory** of mesh, MB, every 10 s: ${series || 'no sample'}. Verdict: ${verdict}.`;
}

function latencies(samples: readonly HealthSample[]): string {
  const ms = samples.map((sample) => sample.ms);
  if (ms.length === 0) return 'no sample';
  return `p50 ${formatMs(percentile(ms, 50))}, p99 ${formatMs(percentile(ms, 99))}, max ${formatMs(Math.max(...ms))}`;
}

function healthLine(report: SoakReport): string {
  const { health, locks } = report;
  const duringLock = health.filter((sample) =>
    locks.some((lock) => sample.atMs < lock.endMs && sample.atMs + sample.ms > lock.startMs),
  );
  const outcomes: Record<string, number> = {};
  for (const sample of health) outcomes[sample.outcome] = (outcomes[sample.outcome] ?? 0) + 1;
  const lockList = locks
    .map((lock) => `${(lock.startMs / 1000).toFixed(0)} s for ${((lock.endMs - lock.startMs) / 1000).toFixed(1)} s`)
    .join(', ');
  return (
    `- **GET /health** every second, ${formatCount(health.length)} samples: ${latencies(health)}; answers ${formatTally(outcomes)}. ` +
    `While the database was locked (${lockList || 'no lock taken'}): ${duringLock.length} samples, ${latencies(duringLock)}.`
  );
}

function watcherTable(legit: LegitResult): string {
  const rows = Object.entries(legit.watchers).map(([label, counts]) => [
    label,
    formatCount(counts.opened),
    formatTally(counts.refused),
    formatCount(counts.cut),
    formatCount(counts.open),
    formatCount(counts.messages),
  ]);
  return table(['watchers (127.0.0.1)', 'opened', 'refused', 'cut by mesh', 'open at the end', 'events received'], rows);
}

function wsAbuserLine(abuse: AbuseResult, settings: { subscriptions: number }): string {
  const ws = abuse.wsSubscriber;
  if (!ws.opened) return `- **Abusive WebSocket** (127.0.0.2): never opened (${ws.closed ?? 'no reason'}).`;
  return (
    `- **Abusive WebSocket** (127.0.0.2): sent ${formatCount(ws.sent)} of ${formatCount(settings.subscriptions)} events.watch subscriptions and never read; ` +
    `reading at the end: ${formatCount(ws.started)} started, refused ${formatTally(ws.errors)}, ` +
    `${ws.closed === null ? 'still open' : `closed by mesh (${ws.closed})`}.`
  );
}

export function soakMarkdown(report: SoakReport, abusiveSubscriptions: number, batchSize: number): string {
  const { machine, legit, abuse, heartbeats, mesh } = report;
  const diedAt = mesh.diedAtMs;
  const lines = [
    SOAK_HEADING,
    '',
    `\`npm run soak -- --minutes ${report.settings.minutes}\`, ${machine.date}, commit ${machine.commit}, ${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}. ${report.traffic}`,
    '',
    `- **mesh stayed up**: ${diedAt === null ? 'yes' : `**no**, it exited ${(diedAt / 1000).toFixed(1)} s in`} (${mesh.exit}).`,
    heartbeats.acked === null
      ? `- **Heartbeats lost**: unknown, the validators' process failed (the heartbeats table holds ${formatCount(heartbeats.stored)} rows).`
      : `- **Heartbeats lost**: ${heartbeats.lost === 0 ? '0' : `**${formatCount(heartbeats.lost)}**`} of ${formatCount(heartbeats.acked)} answered 200 ` +
        `(the heartbeats table holds ${formatCount(heartbeats.stored)} rows once mesh has stopped).`,
    memoryLine(report),
    `- **CPU**, cores busy on average: mesh ${report.cpu.mesh.toFixed(2)}, the whole machine ${report.cpu.machine.toFixed(2)} of ${machine.nproc} ` +
      `(the traffic processes and anything else running on it included).`,
    healthLine(report),
    ...(legit
      ? [
          `- **Heartbeat latency** (127.0.0.1): p50 ${formatMs(legit.heartbeats.latencyMs.p50)}, p99 ${formatMs(legit.heartbeats.latencyMs.p99)}, max ${formatMs(legit.heartbeats.latencyMs.max)}; ${formatCount(legit.heartbeats.skipped)} due but not sent (over 2,000 in flight).`,
        ]
      : []),
    ...(abuse ? [wsAbuserLine(abuse, { subscriptions: abusiveSubscriptions })] : []),
    ...report.failures.map((failure) => `- **Failed**: ${failure}`),
    '',
    table(
      ['client', 'from', 'requests', 'answers by status', 'no answer'],
      [
        clientRow('heartbeats', '127.0.0.1', legit?.heartbeats),
        clientRow('registrations', '127.0.0.1', legit?.registrations),
        clientRow('approvals (sovereign)', '127.0.0.1', legit?.approvals),
        clientRow(
          `abuser: tRPC batches of ${batchSize} node.list`,
          '127.0.0.2',
          abuse?.batches,
          abuse ? ` (${formatBytes(abuse.batches.bytes)} received)` : '',
        ),
        clientRow('abuser: registration flood, fresh keys', '127.0.0.2', abuse?.flood),
      ],
    ),
    '',
    ...(legit ? [watcherTable(legit), ''] : []),
  ];
  return lines.join('\n');
}

/** The page with `block` as its soak section: in place of an earlier one (up to the next "## "), or appended. */
export function withSoakSection(page: string, block: string): string {
  const section = block.endsWith('\n') ? block : `${block}\n`;
  const start = page.search(/^## Soak[ \t]*$/m);
  if (start < 0) return `${page.replace(/\n*$/, '')}\n\n${section}`;
  const rest = page.slice(start + SOAK_HEADING.length);
  const next = rest.search(/^## /m);
  const after = next < 0 ? '' : `\n${rest.slice(next)}`;
  return `${page.slice(0, start)}${section}${after}`;
}
