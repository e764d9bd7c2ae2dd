import { describe, expect, it } from 'vitest';
import { UNKNOWN_UPTIME } from '../../shared/responses.js';
import fc from 'fast-check';
import { uptimeByInterval } from '../testing/uptime-definition.js';
import { computeUptime, reputationOf } from './uptime.js';

const INTERVAL = 120_000;

describe('reputationOf', () => {
  it('weighs week, day and hour 50/30/20 and takes up to a quarter off for irregularity', () => {
    expect(reputationOf({ ...UNKNOWN_UPTIME, hour: 1, day: 1, week: 1, regularity: 1 })).toBe(100);
    expect(reputationOf({ ...UNKNOWN_UPTIME, hour: 0, day: 1, week: 1, regularity: 1 })).toBe(80);
    expect(reputationOf({ ...UNKNOWN_UPTIME, hour: 1, day: 1, week: 1, regularity: 0 })).toBe(75);
    expect(reputationOf({ ...UNKNOWN_UPTIME, hour: 0.5, day: 0.5, week: 0.5, regularity: 0.5 })).toBe(43.8);
  });

  it('lets a window without observable intervals take the next longer one, and is null without any', () => {
    expect(reputationOf({ ...UNKNOWN_UPTIME, hour: null, day: 0.5, week: 1, regularity: null })).toBe(75);
    expect(reputationOf(UNKNOWN_UPTIME)).toBeNull();
  });
});

describe('computeUptime', () => {
  it('counts the interval under way only once the node was heard in it', () => {
    const now = 100 * INTERVAL + 1_000;
    const meshUp = new Set(Array.from({ length: 101 }, (_, index) => index));
    const seen = new Set(Array.from({ length: 30 }, (_, index) => 70 + index)); // 70..99, not 100 yet
    const before = computeUptime(seen, meshUp, 70 * INTERVAL, { now, heartbeatIntervalMs: INTERVAL });
    expect(before.uptime).toMatchObject({ hour: 1, missed: 0 });
    const after = computeUptime(new Set([...seen, 100]), meshUp, 70 * INTERVAL, { now, heartbeatIntervalMs: INTERVAL });
    expect(after.uptime).toMatchObject({ hour: 1, missed: 0, regularity: 1 });
  });

  it('leaves out the intervals in which mesh did not run, and those before the first heartbeat', () => {
    const now = 100 * INTERVAL;
    const meshUp = new Set([...Array.from({ length: 10 }, (_, index) => 80 + index)]); // mesh ran 80..89 only
    const seen = new Set([85, 86, 95]); // heard at 95 while mesh's minutes there were not recorded
    const { uptime } = computeUptime(seen, meshUp, 85 * INTERVAL, { now, heartbeatIntervalMs: INTERVAL });
    // Observable: 85..89 (mesh ran) and 95 (heard): 6, of which 3 seen.
    expect(uptime).toMatchObject({ hour: 0.5, day: 0.5, week: 0.5, missed: 3, firstSeen: 85 * INTERVAL });
    // 85 → 86 kept, 86 → 87 broken; 95 → 96 not observable.
    expect(uptime.regularity).toBe(0.5);
  });
});

describe('computeUptime against its definition', () => {
  it('gives exactly the figures of counting every interval of every window, for any interval length', () => {
    const intervals = [60_000, 90_000, 120_000, 300_000, 420_000, 3_600_000, 5_400_000];
    fc.assert(
      fc.property(
        fc.constantFrom(...intervals),
        fc.integer({ min: 0, max: 10 * 24 * 60 }),
        fc.array(fc.integer({ min: -10, max: 8 * 24 * 60 + 10 }), { maxLength: 400 }),
        fc.array(fc.integer({ min: -10, max: 8 * 24 * 60 + 10 }), { maxLength: 400 }),
        fc.option(fc.integer({ min: -2 * 24 * 60, max: 8 * 24 * 60 }), { nil: null }),
        fc.boolean(),
        (intervalMs, nowOffset, seenMinutes, upMinutes, firstSeenMinute, meshAlwaysUp) => {
          // Times in minutes after a fixed origin, turned into each length's interval indices.
          const origin = 1_796_000_000_000;
          const now = origin + 7 * 24 * 3_600_000 + nowOffset * 1_000 * 7;
          const toIndex = (minute: number) => Math.floor((origin + minute * 60_000) / intervalMs);
          const seen = new Set(seenMinutes.map(toIndex));
          const current = Math.floor(now / intervalMs);
          const meshUp = meshAlwaysUp
            ? new Set(Array.from({ length: 8 * 24 * 60 }, (_, minute) => toIndex(minute)).filter((index) => index <= current))
            : new Set(upMinutes.map(toIndex));
          const firstSeen = firstSeenMinute === null ? null : origin + firstSeenMinute * 60_000;
          const settings = { now, heartbeatIntervalMs: intervalMs };
          expect(computeUptime(seen, meshUp, firstSeen, settings)).toEqual(
            uptimeByInterval(seen, meshUp, firstSeen, now, intervalMs),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
