import { describe, expect, it } from 'vitest';
import { parseSoakArgs } from './settings.js';
import { lostHeartbeats, memoryFlatness, percentile } from './verdict.js';

// The soak's judgements only: the soak itself runs for minutes and is never run by the test suite.

const MB = 1024 * 1024;
const series = (...mbs: number[]) => mbs.map((value, index) => ({ atMs: index * 10_000, rssBytes: value * MB }));

describe('memoryFlatness', () => {
  it('calls memory flat when the last third peaks within the bound of the first third', () => {
    expect(memoryFlatness(series(150, 400, 300, 320, 310, 330, 340, 300, 460), 64 * MB)).toEqual({
      judged: true,
      flat: true,
      firstThirdMax: 400 * MB,
      lastThirdMax: 460 * MB,
      boundBytes: 64 * MB,
    });
  });

  it('calls memory growing when the last third peaks above the bound', () => {
    const verdict = memoryFlatness(series(150, 200, 250, 300, 350, 400), 64 * MB);
    expect(verdict).toMatchObject({ judged: true, flat: false, firstThirdMax: 200 * MB, lastThirdMax: 400 * MB });
  });

  it('forgives an early peak: only growth at the end counts', () => {
    expect(memoryFlatness(series(900, 300, 300, 300, 300, 300), 64 * MB)).toMatchObject({ flat: true });
  });

  it('does not judge fewer than three samples', () => {
    expect(memoryFlatness(series(150, 900), 64 * MB)).toMatchObject({ judged: false });
  });
});

describe('percentile', () => {
  it('takes the nearest rank, and NaN of nothing', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('lostHeartbeats', () => {
  const rows = [
    { nodeId: 'a', timestamp: 10 },
    { nodeId: 'a', timestamp: 20 },
    { nodeId: 'b', timestamp: 10 },
  ];

  it('finds every acknowledged heartbeat in the rows, by node and the time mesh received it', () => {
    expect(lostHeartbeats(['a\t10', 'a\t20', 'b\t10'], rows)).toEqual([]);
  });

  it('names the acknowledged ones with no row', () => {
    expect(lostHeartbeats(['a\t10', 'a\t30', 'c\t10'], rows)).toEqual(['a\t30', 'c\t10']);
  });

  it('counts one row for one acknowledgement only', () => {
    expect(lostHeartbeats(['b\t10', 'b\t10'], rows)).toEqual(['b\t10']);
  });

  it('matches an acknowledgement without receivedAt to any row of its node left over', () => {
    expect(lostHeartbeats(['a\t', 'a\t10', 'a\t'], rows)).toEqual(['a\t']);
    expect(lostHeartbeats(['b\t'], [])).toEqual(['b\t']);
  });
});

describe('parseSoakArgs', () => {
  it('defaults to the issue’s soak: 10 minutes, 10,000 nodes, 200 watchers', () => {
    expect(parseSoakArgs([])).toEqual({
      minutes: 10,
      record: false,
      nodes: 10_000,
      watchers: 200,
      lockSeconds: 5,
      batchSize: 100,
    });
  });

  it('takes fractional minutes and the other sizes', () => {
    expect(parseSoakArgs(['--minutes', '0.5', '--record', '--nodes', '2000', '--batch-size', '10'])).toMatchObject({
      minutes: 0.5,
      record: true,
      nodes: 2_000,
      batchSize: 10,
    });
  });

  it('refuses what is no positive number, and unknown flags', () => {
    expect(() => parseSoakArgs(['--minutes', 'ten'])).toThrow(/--minutes takes a number above 0/);
    expect(() => parseSoakArgs(['--nodes', '1.5'])).toThrow(/--nodes takes a whole number/);
    expect(() => parseSoakArgs(['--minutes', '0'])).toThrow(/above 0/);
    expect(() => parseSoakArgs(['--hours', '1'])).toThrow();
  });
});
