import { RATE_LIMITED_SAMPLE, type RateLimitedSummary } from '../../shared/events.js';

/** Distinct addresses counted per window at most: the rate limiter tracks no more than this either. */
const MAX_COUNTED_ADDRESSES = 10_000;

/**
 * Counts RATE_LIMITED refusals between two reports. The refusal path only bumps a map entry; the
 * event is written later, once per window, by `reportRateLimited`.
 */
export class RateLimitTally {
  readonly #refusalsByAddress = new Map<string, number>();
  #refusals = 0;
  #from: number;

  constructor(now: number) {
    this.#from = now;
  }

  refused(address: string): void {
    this.#refusals += 1;
    const seen = this.#refusalsByAddress.get(address);
    if (seen !== undefined) this.#refusalsByAddress.set(address, seen + 1);
    else if (this.#refusalsByAddress.size < MAX_COUNTED_ADDRESSES) this.#refusalsByAddress.set(address, 1);
  }

  /** The window's summary (null when nothing was refused), and a new window from `now`. */
  take(now: number): RateLimitedSummary | null {
    const from = this.#from;
    this.#from = now;
    if (this.#refusals === 0) return null;
    const sample = [...this.#refusalsByAddress]
      .sort((a, b) => b[1] - a[1])
      .slice(0, RATE_LIMITED_SAMPLE)
      .map(([address]) => address);
    const summary = { from, to: now, addresses: this.#refusalsByAddress.size, refusals: this.#refusals, sample };
    this.#refusalsByAddress.clear();
    this.#refusals = 0;
    return summary;
  }
}
