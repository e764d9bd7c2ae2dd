import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../registry/service-health.js';
import { ServiceProber, type Scheduler } from './service-prober.js';

/** Timers driven by hand: each entry is a delay asked for and what to run when it has passed. */
class ManualTimers {
  readonly entries: Array<{ delayMs: number; run: () => void; cancelled: boolean }> = [];
  readonly schedule: Scheduler = (delayMs, run) => {
    const entry = { delayMs, run, cancelled: false };
    this.entries.push(entry);
    return () => (entry.cancelled = true);
  };

  /** Runs every live entry with exactly this delay, once. */
  fire(delayMs: number): void {
    for (const entry of this.entries.splice(0)) {
      if (entry.cancelled) continue;
      if (entry.delayMs === delayMs) entry.run();
      else this.entries.push(entry);
    }
  }
}

/** A probe whose results the test hands out one by one. */
class HeldProbes {
  readonly started: ProbeTarget[] = [];
  readonly #release: Array<() => void> = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly probe = (target: ProbeTarget): Promise<void> => {
    this.started.push(target);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve) =>
      this.#release.push(() => {
        this.inFlight -= 1;
        resolve();
      }),
    );
  };

  async releaseAll(): Promise<void> {
    while (this.#release.length > 0) {
      for (const release of this.#release.splice(0)) release();
      // Let the prober start what was waiting for a free slot.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

const targets = (n: number): ProbeTarget[] =>
  Array.from({ length: n }, (_, i) => ({ nodeId: `n${i}`, ip: '127.0.0.1', type: 'ledger', port: 1000 + i }));

describe('ServiceProber', () => {
  it('spreads a round over the interval and schedules the next round an interval later', () => {
    const timers = new ManualTimers();
    const probes = new HeldProbes();
    const prober = new ServiceProber({
      intervalMs: 60_000,
      concurrency: 16,
      targets: () => targets(4),
      probe: probes.probe,
      schedule: timers.schedule,
    });
    prober.start();
    expect(timers.entries.map((entry) => entry.delayMs)).toEqual([0, 15_000, 30_000, 45_000, 60_000]);
    timers.fire(15_000);
    expect(probes.started.map((target) => target.nodeId)).toEqual(['n1']);
  });

  it('keeps at most `concurrency` probes in flight and queues the rest', async () => {
    const probes = new HeldProbes();
    const prober = new ServiceProber({ intervalMs: 60_000, concurrency: 3, targets: () => targets(10), probe: probes.probe });
    const done = prober.probeAll();
    expect(probes.started).toHaveLength(3);
    await probes.releaseAll();
    await done;
    expect(probes.started).toHaveLength(10);
    expect(probes.maxInFlight).toBe(3);
  });

  it('does not queue a service again while its previous probe is still out', async () => {
    const timers = new ManualTimers();
    const probes = new HeldProbes();
    const prober = new ServiceProber({
      intervalMs: 1_000,
      concurrency: 16,
      targets: () => targets(1),
      probe: probes.probe,
      schedule: timers.schedule,
    });
    prober.start();
    timers.fire(0);
    // Three more rounds pass while the first probe hangs: no second probe of the same service piles up.
    for (let round = 0; round < 3; round++) {
      timers.fire(1_000);
      timers.fire(0);
    }
    expect(probes.started).toHaveLength(1);
    await probes.releaseAll();
    timers.fire(1_000);
    timers.fire(0);
    expect(probes.started).toHaveLength(2);
    await probes.releaseAll();
  });

  it('stops: cancels what is scheduled, drops what is queued, and waits for the probes in flight', async () => {
    const timers = new ManualTimers();
    const probes = new HeldProbes();
    const prober = new ServiceProber({
      intervalMs: 60_000,
      concurrency: 1,
      targets: () => targets(3),
      probe: probes.probe,
      schedule: timers.schedule,
    });
    void prober.probeAll();
    prober.start();
    let stopped = false;
    const stopping = prober.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    await probes.releaseAll();
    await stopping;
    expect(timers.entries.every((entry) => entry.cancelled)).toBe(true);
    expect(probes.started).toHaveLength(1);
  });
});
