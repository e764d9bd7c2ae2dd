/** Writes BENCHMARKS.md: the machine, the table and the notes, then the history people keep below the marker. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, arch, cpus, release, type as osType } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../shared/testing/processes.js';
import { benchmarksPage, type MachineInfo, type Row } from './report.js';

export function machineInfo(): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'shared', 'db', 'client'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    if (dirty) commit += ' (with uncommitted changes to the server)';
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${osType()} ${release()} ${arch()}`,
    commit,
  };
}

// Everything from this line down in BENCHMARKS.md is written by people and kept by every run.
const HISTORY_MARKER = '<!-- history: kept by npm run bench -->';

/** What people wrote below HISTORY_MARKER (figures before and after each change, what holds a target): kept. */
function keptHistory(page: string): string {
  let text: string;
  try {
    text = readFileSync(page, 'utf8');
  } catch {
    return '';
  }
  const at = text.indexOf(HISTORY_MARKER);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}

export function writeBenchmarksPage(machine: MachineInfo, rows: readonly Row[], notes: readonly string[]): void {
  const page = join(ROOT, 'BENCHMARKS.md');
  writeFileSync(page, benchmarksPage(machine, rows, notes) + keptHistory(page));
}
