import { describe, expect, it } from 'vitest';
import { originOf, summarise, type CpuProfile } from './profile-summary.js';
import {
  benchmarksPage,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  markdownTable,
  ratioOf,
  textTable,
  type Row,
} from './report.js';

// The benchmark's pure helpers only: timing itself is never asserted in tests.

const measuredRow: Row = {
  figure: 'heartbeats REST',
  measured: '1,234/s (p99 12.0 ms)',
  limit: '10,500/s (Ed25519 verify, 1 thread)',
  ratio: 1234 / 10500,
  target: '≥ 8,334/s',
  met: false,
};
const unavailableRow: Row = {
  figure: 'discovery 304',
  measured: null,
  unavailable: 'needs the events issue: ETag / SSE',
  limit: '60,000/s bare 304',
  ratio: null,
  target: '≥ 0.8× bare',
  met: null,
};

describe('formatting', () => {
  it('formats rates, durations, sizes and ratios for people', () => {
    expect(formatRate(12345.6)).toBe('12,346/s');
    expect(formatMs(0.0421)).toBe('0.042 ms');
    expect(formatMs(3.214)).toBe('3.21 ms');
    expect(formatMs(45.66)).toBe('45.7 ms');
    expect(formatMs(1234.4)).toBe('1,234 ms');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(530_000)).toBe('517.6 kB');
    expect(formatBytes(256 * 1024 * 1024)).toBe('256.0 MB');
    expect(formatRatio(0.0512)).toBe('0.051×');
    expect(formatRatio(0.5)).toBe('0.50×');
    expect(formatRatio(16.8)).toBe('16.8×');
    expect(formatRatio(null)).toBe('—');
  });

  it('has no ratio without both numbers', () => {
    expect(ratioOf(5, 10)).toBe(0.5);
    expect(ratioOf(5, 0)).toBeNull();
    expect(ratioOf(null, 10)).toBeNull();
  });
});

describe('the table', () => {
  it('has the issue columns, says n/a with the reason, and marks missed targets', () => {
    const table = markdownTable([measuredRow, unavailableRow]);
    const lines = table.split('\n');
    expect(lines[0]).toBe('| figure | measured | limit (same run) | ratio | target | met? |');
    expect(lines[2]).toBe(
      '| heartbeats REST | 1,234/s (p99 12.0 ms) | 10,500/s (Ed25519 verify, 1 thread) | 0.12× | ≥ 8,334/s | **no** |',
    );
    expect(lines[3]).toBe(
      '| discovery 304 | n/a (needs the events issue: ETag / SSE) | 60,000/s bare 304 | — | ≥ 0.8× bare | — |',
    );
  });

  it('escapes a pipe inside a cell', () => {
    expect(markdownTable([{ ...measuredRow, figure: 'a | b' }])).toContain('| a \\| b |');
  });

  it('aligns the terminal table', () => {
    const lines = textTable([measuredRow, unavailableRow]).split('\n');
    const bars = (line: string) => [...line].flatMap((char, index) => (char === '|' ? [index] : []));
    expect(bars(lines[2] ?? '')).toEqual(bars(lines[0] ?? ''));
    expect(lines[2]).toContain('| no');
  });

  it('writes the machine and the notes into BENCHMARKS.md', () => {
    const page = benchmarksPage(
      {
        date: '2026-11-24T00:00:00.000Z',
        nproc: 2,
        cpuModel: 'AMD EPYC',
        node: 'v20.20.2',
        platform: 'Linux',
        commit: 'abc1234',
      },
      [measuredRow],
      ['a note'],
    );
    expect(page).toContain('- nproc: 2');
    expect(page).toContain('- CPU: AMD EPYC');
    expect(page).toContain('- Node: v20.20.2');
    expect(page).toContain('| heartbeats REST |');
    expect(page).toContain('- a note');
  });
});

describe('profile summary', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('prepare', 'file:///repo/node_modules/libsql/index.js') },
      { id: 4, callFrame: frame('checkSignature', 'file:///repo/server/signing/check.ts') },
    ],
    startTime: 1_000,
    endTime: 2_000,
    samples: [3, 3, 4, 2, 3],
    timeDeltas: [100, 100, 100, 100, 100],
  };

  it('sums self time per function and per origin, idle apart', () => {
    const summary = summarise(profile);
    expect(summary.busyMs).toBeCloseTo(0.4);
    expect(summary.idleMs).toBeCloseTo(0.1);
    expect(summary.functions[0]).toMatchObject({ name: 'prepare', share: 0.75 });
    expect(summary.origins.map((origin) => origin.name)).toEqual(['libsql', 'server/signing/']);
  });

  it('keeps only the samples inside a window', () => {
    // Sample times: 1100, 1200, 1300, 1400, 1500.
    const summary = summarise(profile, { window: { start: 1250, end: 1450 } });
    expect(summary.busyMs).toBeCloseTo(0.1);
    expect(summary.functions.map((entry) => entry.name)).toEqual(['checkSignature']);
  });

  it('names where code comes from', () => {
    expect(originOf(frame('f', 'node:internal/crypto/sig'))).toBe('node:internal');
    expect(originOf(frame('f', 'file:///r/node_modules/@trpc/server/dist/x.mjs'))).toBe('@trpc/server');
    expect(originOf(frame('f', 'file:///r/server/mesh.ts'))).toBe('server/');
    expect(originOf(frame('(garbage collector)', ''))).toBe('(garbage collector)');
  });
});
