/**
 * Pure formatting for `npm run bench`: the rows of the table, the table as Markdown, and the
 * BENCHMARKS.md page. No I/O here, so it is unit-tested (report.test.ts).
 */

export interface Row {
  figure: string;
  /** What mesh did, formatted; `null` when it could not be measured (see `unavailable`). */
  measured: string | null;
  /** The limit it is compared with, measured in the same run, formatted; `null` when there is none. */
  limit: string | null;
  /** measured / limit, when both are numbers of the same kind. */
  ratio: number | null;
  target: string;
  /** Whether the target is met; `null` when there is no target or nothing was measured. */
  met: boolean | null;
  /** Why the figure is not measured, e.g. "needs the events issue: ETag / SSE". */
  unavailable?: string;
}

export const TABLE_HEADER = ['figure', 'measured', 'limit (same run)', 'ratio', 'target', 'met?'] as const;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345.6 → "12,346". */
export function formatCount(value: number): string {
  return integer.format(Math.round(value));
}

/** A rate: "12,346/s". */
export function formatRate(perSecond: number): string {
  return `${formatCount(perSecond)}/s`;
}

/** Milliseconds with a precision that suits their size: 0.042 ms, 3.21 ms, 45.6 ms, 1,234 ms. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${formatCount(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** "0.123×"; two significant digits at least, "—" when there is no ratio. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  if (ratio >= 10) return `${ratio.toFixed(1)}×`;
  if (ratio >= 0.1) return `${ratio.toFixed(2)}×`;
  return `${ratio.toFixed(3)}×`;
}

export function ratioOf(measured: number | null | undefined, limit: number | null | undefined): number | null {
  if (measured == null || limit == null || limit === 0) return null;
  return measured / limit;
}

/** A Markdown table cell's text: pipes escaped, on one line. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function rowCells(row: Row): string[] {
  const measured = row.measured ?? `n/a (${row.unavailable ?? 'not measured'})`;
  const met = row.met === null ? '—' : row.met ? 'yes' : '**no**';
  return [row.figure, measured, row.limit ?? '—', formatRatio(row.ratio), row.target, met];
}

/** The table as GitHub Markdown. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [`| ${TABLE_HEADER.join(' | ')} |`, `|${TABLE_HEADER.map(() => ' --- ').join('|')}|`];
  for (const row of rows) lines.push(`| ${rowCells(row).map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

/** The same table padded for a terminal. */
export function textTable(rows: readonly Row[]): string {
  const cells = [TABLE_HEADER.slice(), ...rows.map((row) => rowCells(row).map((cell) => cell.replace(/\*\*/g, '')))];
  const widths = TABLE_HEADER.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  const format = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  return [format(cells[0] ?? []), rule, ...cells.slice(1).map(format)].join('\n');
}

export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  node: string;
  platform: string;
  commit: string;
}

export function benchmarksPage(machine: MachineInfo, rows: readonly Row[], notes: readonly string[]): string {
  return [
    '# mesh benchmarks',
    '',
    'Written by `npm run bench` (scripts/bench/): mesh on a temporary database, loaded from a separate',
    'process over 127.0.0.1, each figure beside a limit measured in the same run on the same machine.',
    'Targets come from issue 5; they are benchmark figures, never assertions in tests.',
    '',
    `- date: ${machine.date}`,
    `- nproc: ${machine.nproc}`,
    `- CPU: ${machine.cpuModel}`,
    `- Node: ${machine.node}`,
    `- platform: ${machine.platform}`,
    `- mesh commit measured: ${machine.commit}`,
    '',
    markdownTable(rows),
    '',
    '## Notes',
    '',
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}
