import { describe, expect, it } from 'vitest';
import { formatTally, soakMarkdown, withSoakSection, type SoakReport } from './report.js';

const block = '## Soak\n\nmesh stayed up.\n';

describe('withSoakSection', () => {
  it('appends the section below everything else when there is none', () => {
    expect(withSoakSection('# mesh benchmarks\n\n<!-- history -->\n## History\n\ntext\n\n\n', block)).toBe(
      '# mesh benchmarks\n\n<!-- history -->\n## History\n\ntext\n\n## Soak\n\nmesh stayed up.\n',
    );
  });

  it('replaces an earlier soak section, up to the next section', () => {
    const page = '# b\n\n## Soak\n\nold run\n\n| a |\n\n## After\n\nkept\n';
    expect(withSoakSection(page, block)).toBe('# b\n\n## Soak\n\nmesh stayed up.\n\n## After\n\nkept\n');
  });

  it('replaces an earlier soak section at the end of the page, and is idempotent', () => {
    const once = withSoakSection('# b\n', block);
    expect(withSoakSection(once, block)).toBe(once);
    expect(withSoakSection(withSoakSection(once, '## Soak\n\nsecond run'), block)).toBe(once);
  });

  it('leaves a section that only starts with "Soak" alone', () => {
    expect(withSoakSection('## Soak tests\n', block)).toBe('## Soak tests\n\n## Soak\n\nmesh stayed up.\n');
  });
});

describe('formatTally', () => {
  it('lists counts by key, in order, and a dash for none', () => {
    expect(formatTally({ '429': 12, '200': 4980 })).toBe('200 ×4,980, 429 ×12');
    expect(formatTally({})).toBe('—');
  });
});

describe('soakMarkdown', () => {
  const report: SoakReport = {
    machine: {
      date: '2026-12-03T08:00:00.000Z',
      nproc: 2,
      cpuModel: 'AMD EPYC',
      node: 'v20.20.2',
      platform: 'Linux',
      commit: 'abc1234',
    },
    settings: { minutes: 1, record: false, nodes: 10_000, watchers: 200, lockSeconds: 5, batchSize: 100 },
    traffic: 'Traffic described.',
    memory: [
      { atMs: 0, rssBytes: 150 * 2 ** 20 },
      { atMs: 10_000, rssBytes: 160 * 2 ** 20 },
      { atMs: 20_000, rssBytes: 170 * 2 ** 20 },
    ],
    flatness: { judged: true, flat: true, firstThirdMax: 150 * 2 ** 20, lastThirdMax: 170 * 2 ** 20, boundBytes: 64 * 2 ** 20 },
    cpu: { mesh: 0.5, machine: 1.2 },
    health: [
      { atMs: 1_000, ms: 2, outcome: '200' },
      { atMs: 31_000, ms: 5_000, outcome: '200' },
      { atMs: 32_000, ms: 10_000, outcome: 'no answer in 10 s' },
    ],
    locks: [{ startMs: 30_000, endMs: 35_000 }],
    legit: null,
    abuse: null,
    failures: ['traffic (legit) exited (1)'],
    heartbeats: { acked: null, stored: 42, lost: 0 },
    mesh: { diedAtMs: 45_000, exit: 'exit SIGKILL' },
  };

  it('says what went wrong first: mesh died, heartbeats unknown, memory, health during the locks', () => {
    const text = soakMarkdown(report, 500, 100);
    expect(text.startsWith('## Soak\n')).toBe(true);
    expect(text).toContain('**mesh stayed up**: **no**, it exited 45.0 s in (exit SIGKILL)');
    expect(text).toContain("unknown, the validators' process failed");
    expect(text).toContain('every 10 s: 150 160 170. Verdict: **flat**');
    expect(text).toContain('answers 200 ×2, no answer in 10 s ×1');
    expect(text).toContain('(30 s for 5.0 s): 2 samples');
    expect(text).toContain('| heartbeats | 127.0.0.1 | — | its process failed | — |');
    expect(text).toContain('- **Failed**: traffic (legit) exited (1)');
  });
});
