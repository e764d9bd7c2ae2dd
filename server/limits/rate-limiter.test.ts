import { describe, expect, it } from 'vitest';
import { TestClock } from '../testing/harness.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('lets a burst through, then one request per refill interval, per address', () => {
    const clock = new TestClock();
    const limiter = new RateLimiter(6, 3, clock.now); // a token every 10 s
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(10_000);
    expect(limiter.take('b')).toBe(0); // another address has its own bucket
    clock.advance(4_000);
    expect(limiter.take('a')).toBe(6_000);
    clock.advance(6_000);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10_000);
    clock.advance(60_000);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0, 10_000]);
  });

  it('keeps a bounded number of addresses, forgetting the refilled ones first', () => {
    const clock = new TestClock();
    const limiter = new RateLimiter(60, 2, clock.now, 100);
    limiter.take('spender');
    limiter.take('spender');
    for (let index = 0; index < 1000; index++) limiter.take(`10.0.${index >> 8}.${index & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    clock.advance(1_000);
    // Refilled addresses were forgotten as new ones came: each starts with a full bucket again.
    expect(limiter.take('10.0.0.0')).toBe(0);
  });
});
