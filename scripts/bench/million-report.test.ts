import { describe, expect, it } from 'vitest';
import type { LoadResult } from './jobs.js';
import type { Measured } from './measure.js';
import {
  cpuSplit,
  growthByTable,
  growthPerDay,
  keptMillionHistory,
  MILLION_END,
  MILLION_START,
  millionHistoryRow,
  millionReport,
  millionSection,
  replaceMillionSection,
  type MillionFigures,
} from './million-report.js';
import { sampleIndices } from './million-seed.js';
import { splitThreadCpu } from './proc-stats.js';
import type { Row } from './report.js';
import { scaleOf } from './settings.js';

// The scale run's pure helpers only: timing itself is never asserted in tests.

const machine = {
  date: '2026-12-03T13:00:00.000Z',
  nproc: 2,
  cpuModel: 'AMD EPYC',
  node: 'v20.20.2',
  platform: 'Linux',
  commit: 'abc1234',
};

function measured(rate: number, p99: number, label: string): Measured<LoadResult> {
  return {
    result: {
      label,
      sent: rate * 60,
      ok: rate * 60,
      statuses: { 200: rate * 60 },
      failures: {},
      okTotal: rate * 63,
      elapsedMs: 60_000,
      rate,
      latency: { count: rate * 60, mean: p99 / 2, p50: p99 / 2, p90: p99 * 0.8, p99, max: p99 * 2 },
      bodyBytes: 80,
      loaderCpu: 0.2,
      exhausted: false,
      slowest: [],
      timeline: [10, 12],
    },
    cpu: { server: 1.3, machine: 1.6, iowait: 0, steal: 0 },
    window: { start: 0, end: 60_000_000 },
  };
}

function figures(overrides: Partial<MillionFigures> = {}): MillionFigures {
  const heartbeatRun = (rate: number, keys: number, label: string) => ({
    keys,
    measured: measured(rate, 30, label),
    threads: { main: 0.97, busiest: [0.3], rest: 0.05 },
    presigned: 200_000,
  });
  return {
    scale: 1_000_000,
    keyed: 100_000,
    seedMs: 60_000,
    dbBytes: 1.1 * 1024 ** 3,
    expiredHeartbeats: 250_000,
    verify: { perSecond: 8_000, verified: 16_000, elapsedMs: 2_000 },
    reference: heartbeatRun(3_000, 1_000, 'heartbeats REST, 1,000 nodes'),
    referencePersisted: 189_000,
    etcd: { version: '3.4.23', leases: 1_000, measured: measured(9_000, 12, 'etcd 3.4.23 keepaliveOnce') },
    startup: {
      startupMs: 9_000,
      tableRead: { nodesMs: 2_000, nodes: 1_000_000, servicesMs: 1_000, services: 2_000_000 },
      rssAfterStart: 900 * 1024 ** 2,
      fullAnswer: { status: 200, bytes: 536 * 1024 ** 2, ms: 2_600 },
      rssAfterAnswer: 1_000 * 1024 ** 2,
      peakRss: 1_200 * 1024 ** 2,
    },
    million: heartbeatRun(2_400, 100_000, 'heartbeats REST, 1,000,000 nodes'),
    delta: { unavailable: 'paging: mesh answered 400 to GET /nodes?status=active&limit=1' },
    sweep: {
      ms: 900,
      passMs: 400,
      pruneMs: 500,
      longestStallMs: 880,
      wentOffline: 10,
      heartbeatsDeleted: 250_000,
      bare: { nodesMs: 300, nodes: 1_000_000, heartbeatsMs: 200, heartbeats: 250_000 },
    },
    uptime: {
      nodes: 1_000_000,
      ms: 14_000,
      longestStallMs: 40,
      mainThreadMs: 1_000,
      fellBack: false,
      second: { ms: 15_000, longestStallMs: 30, mainThreadMs: 1_200, fellBack: false },
    },
    day: {
      sample: 2_000,
      heartbeats: 1_440_000,
      simulateMs: 50_000,
      before: { usedBytes: 2_000_000, fileBytes: 2_000_000, rows: { heartbeats: 2_500 } },
      after: { usedBytes: 102_000_000, fileBytes: 110_000_000, rows: { heartbeats: 1_442_500 } },
      startupBeforeMs: 500,
      startupAfterMs: 520,
    },
    noisy: [],
    ...overrides,
  };
}

describe('the scale flag', () => {
  it('is read from the command line, with or without digit separators', () => {
    expect(scaleOf([])).toBeNull();
    expect(scaleOf(['--quick', '--scale', '1000000'])).toBe(1_000_000);
    expect(scaleOf(['--scale', '1_000_000'])).toBe(1_000_000);
    expect(() => scaleOf(['--scale'])).toThrow(/whole number/);
    expect(() => scaleOf(['--scale', '12'])).toThrow(/at least 1000/);
  });
});

describe('the keyed sample', () => {
  it('spreads over the whole range, first to near the last', () => {
    const indices = sampleIndices(1_000_000, 100_000);
    expect(indices).toHaveLength(100_000);
    expect(indices[0]).toBe(0);
    expect(indices[1]).toBe(10);
    expect(indices.at(-1)).toBe(999_990);
    expect(sampleIndices(50, 100)).toHaveLength(50);
  });
});

describe('the CPU split by thread', () => {
  it('takes the main thread by the process id, the busiest others apart, the rest summed', () => {
    const before = new Map([
      [100, 10],
      [101, 1],
      [102, 5],
      [103, 2],
    ]);
    const after = new Map([
      [100, 19],
      [101, 1.5],
      [102, 8],
      [103, 2.5],
      [104, 0.5], // started in between: counts from zero
    ]);
    const split = splitThreadCpu(100, before, after, 10, 1);
    expect(split.main).toBeCloseTo(0.9);
    expect(split.busiest).toEqual([expect.closeTo(0.3)]);
    expect(split.rest).toBeCloseTo(0.15);
  });

  it('is written out per thread, or in all when the threads could not be read', () => {
    const run = figures().million;
    expect(cpuSplit(run)).toBe(
      'mesh main thread 0.97, verification thread 0.30, other mesh threads 0.05, load generator 0.20; whole machine 1.60',
    );
    expect(cpuSplit({ ...run, threads: null })).toBe('mesh 1.30 in all, load generator 0.20');
  });
});

describe('extrapolations', () => {
  it('scales the sample day linearly', () => {
    const { day } = figures();
    expect(growthPerDay(day, 1_000_000)).toBe(50_000_000_000);
  });

  it('names what the growth is made of, by table, when the pages per table were measured', () => {
    const { day } = figures();
    expect(growthByTable(day)).toEqual([]);
    const measuredDay = {
      ...day,
      before: { ...day.before, bytes: { heartbeats: 1_000_000, node_uptime_hours: 100_000, nodes: 900_000 } },
      after: { ...day.after, bytes: { heartbeats: 21_000_000, node_uptime_hours: 80_100_000, nodes: 900_000 } },
    };
    expect(growthByTable(measuredDay)).toEqual([
      { table: 'node_uptime_hours', perNode: 40_000 },
      { table: 'heartbeats', perNode: 10_000 },
    ]);
    const { notes } = millionReport(figures({ day: measuredDay }), machine);
    const growth = notes.find((note) => note.startsWith('**history growth'));
    expect(growth).toContain('by table and its indexes: node_uptime_hours 39.1 kB, heartbeats 9.8 kB');
  });
});

describe('the table', () => {
  it('puts each figure beside its limit and judges the targets', () => {
    const { rows } = millionReport(figures(), machine);
    const row = (prefix: string) => rows.find((candidate) => candidate.figure.startsWith(prefix));
    const heartbeats = row('heartbeats REST, 1,000,000 nodes');
    expect(heartbeats?.ratio).toBeCloseTo(0.8);
    expect(heartbeats?.met).toBe(false);
    expect(heartbeats?.limit).toBe('3,000/s (same run, 1,000 nodes)');
    const startup = row('1,000,000 nodes: start-up');
    expect(startup?.ratio).toBeCloseTo(3);
    expect(startup?.met).toBe(false);
    const etcd = row('heartbeats REST, 1,000 nodes (signed)');
    expect(etcd?.ratio).toBeCloseTo(1 / 3);
    expect(row('1,000,000 nodes: longest event-loop stall')?.met).toBe(false);
    expect(row('1,000,000 nodes: database growth')?.measured).toBe('46.57 GB a day');
    expect(row('start-up after the simulated day')).toMatchObject({ measured: '520 ms', ratio: 520 / 500 });
  });

  it('judges the uptime refresh by its longest stall over two refreshes, and names a fallback to the main thread', () => {
    const row = (rows: Row[]) =>
      rows.find((candidate) => candidate.figure.includes('stall during the first two uptime refreshes'));
    const { rows, notes } = millionReport(figures(), machine);
    expect(rows.find((candidate) => candidate.figure.includes('one uptime refresh'))).toMatchObject({
      measured: '14,000 ms',
      ratio: 14 / 60,
    });
    expect(row(rows)).toMatchObject({ measured: '40.0 ms', met: true });
    expect(row(rows)?.figure).toContain('main thread CPU 1,000 ms / 1,200 ms');
    expect(notes.some((note) => note.includes('the second (15,000 ms, longest stall 30.0 ms, main thread 1,200 ms)'))).toBe(true);
    const uptime = figures().uptime;
    const slow = millionReport(figures({ uptime: { ...uptime, second: { ...uptime.second, longestStallMs: 80 } } }), machine);
    expect(row(slow.rows)).toMatchObject({ measured: '80.0 ms', met: false });
    expect(slow.notes.some((note) => note.startsWith('**uptime refresh: the event loop held for up to 80.0 ms'))).toBe(true);
    const fellBack = millionReport(figures({ uptime: { ...uptime, fellBack: true } }), machine);
    expect(row(fellBack.rows)?.met).toBe(false);
    expect(fellBack.notes.some((note) => note.includes('the uptime thread failed'))).toBe(true);
  });

  it('says "not available" with the reason when the delta API is missing, and when etcd is', () => {
    const { rows, notes } = millionReport(
      figures({ etcd: { unavailable: 'no etcd installed (apt-get install etcd-server)' } }),
      machine,
    );
    const delta = rows.find((row) => row.figure.startsWith('delta answer'));
    expect(delta).toMatchObject({ measured: null, unavailable: expect.stringContaining('answered 400') });
    expect(rows.find((row) => row.figure.startsWith('full paged walk'))?.measured).toBeNull();
    expect(rows.find((row) => row.figure.includes('etcd'))?.unavailable).toBe('no etcd installed (apt-get install etcd-server)');
    expect(notes.some((note) => note.startsWith('delta and paged walk: paging: mesh answered 400'))).toBe(true);
  });

  it('names the limit that holds a missed target, measured', () => {
    const { notes } = millionReport(figures(), machine);
    expect(notes[0]).toContain("held by mesh's main thread, busy 0.97 of its one core");
    expect(notes.some((note) => note.startsWith('**scale costs heartbeat throughput: 0.80×'))).toBe(true);
    const quiet = millionReport(
      figures({ million: { ...figures().million, measured: measured(9_000, 10, 'x') } }),
      machine,
    ).notes;
    expect(quiet.some((note) => note.includes('heartbeats at scale'))).toBe(false);
  });
});

describe('the BENCHMARKS.md section', () => {
  const page = [
    '# mesh benchmarks',
    '',
    '| table |',
    '<!-- history: kept by npm run bench -->',
    '## History',
    '',
    '## Soak',
    '',
    'soak text',
    '',
  ].join('\n');

  it('goes before the soak the first time, and replaces itself after', () => {
    const { rows, notes } = millionReport(figures(), machine);
    const first = millionSection(machine, 1_000_000, rows, notes, ['| old run |']);
    const once = replaceMillionSection(page, first);
    expect(once.indexOf(MILLION_START)).toBeGreaterThan(once.indexOf('## History'));
    expect(once.indexOf(MILLION_END)).toBeLessThan(once.indexOf('## Soak'));
    expect(once).toContain('soak text');
    const twice = replaceMillionSection(once, millionSection(machine, 1_000_000, rows, notes, ['| old run |', '| new run |']));
    expect(twice.split(MILLION_START)).toHaveLength(2);
    expect(keptMillionHistory(twice)).toEqual(['| old run |', '| new run |']);
    expect(twice.endsWith('soak text\n')).toBe(true);
  });

  it('appends at the end of a page without a soak, and keeps no history from a page without the section', () => {
    expect(replaceMillionSection('# page\n', 'SECTION')).toBe('# page\n\nSECTION\n');
    expect(keptMillionHistory(page)).toEqual([]);
  });

  it('writes one history row with the headline figures', () => {
    const row = millionHistoryRow(machine, figures());
    expect(row).toBe(
      '| 2026-12-03 13:00, abc1234 | 2,400/s p99 30.0 ms / 3,000/s / 9,000/s | 9,000 ms (3.00×) | 900.0 MB / 1000.0 MB for 536.0 MB | 900 ms / 880 ms | n/a | 46.57 GB |',
    );
  });
});
