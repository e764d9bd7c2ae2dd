/** Addresses whose buckets are kept at most: past it, full buckets go, then the longest unused. */
const MAX_TRACKED_ADDRESSES = 10_000;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

/**
 * A token bucket per source address: `burst` requests at once, refilled at `perMinute`. A bucket
 * that has refilled is the same as none, so the map keeps only addresses that spent tokens lately,
 * and never more than MAX_TRACKED_ADDRESSES of them.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number,
    private readonly maxAddresses = MAX_TRACKED_ADDRESSES,
  ) {}

  /** Spends one token of `address`: 0 when there was one, else the milliseconds until there will be. */
  take(address: string): number {
    const now = this.now();
    const bucket = this.#refilled(this.#buckets.get(address), now);
    // Re-inserted, so the map's order is the order of last use.
    this.#buckets.delete(address);
    if (this.#buckets.size >= this.maxAddresses) this.#forgetSome(now);
    this.#buckets.set(address, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 60_000) / this.perMinute);
  }

  #refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.burst, at: now };
    const gained = (Math.max(0, now - bucket.at) * this.perMinute) / 60_000;
    return { tokens: Math.min(this.burst, bucket.tokens + gained), at: now };
  }

  #forgetSome(now: number): void {
    for (const [address, bucket] of this.#buckets) {
      if (this.#refilled(bucket, now).tokens >= this.burst) this.#buckets.delete(address);
    }
    const excess = this.#buckets.size - Math.floor(this.maxAddresses * 0.9);
    if (excess <= 0) return;
    let dropped = 0;
    for (const address of this.#buckets.keys()) {
      if (dropped++ >= excess) break;
      this.#buckets.delete(address);
    }
  }

  /** Addresses with a bucket: for tests of the bound. */
  get size(): number {
    return this.#buckets.size;
  }
}
