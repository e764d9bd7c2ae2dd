import type { ProbeTarget } from '../registry/service-health.js';

/** Runs `run` after `delayMs`; the function returned cancels it. Tests replace it to drive rounds by hand. */
export type Scheduler = (delayMs: number, run: () => void) => () => void;

export const timerScheduler: Scheduler = (delayMs, run) => {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface ServiceProberOptions {
  intervalMs: number;
  /** Probes in flight at most. */
  concurrency: number;
  /** The services to probe this round: read afresh each round, so approvals and removals take effect. */
  targets: () => ProbeTarget[];
  /** Probes one service and records the result, unless `stopping` is aborted first; it must not throw. */
  probe: (target: ProbeTarget, stopping: AbortSignal) => Promise<void>;
  schedule?: Scheduler;
}

const keyOf = (target: ProbeTarget) => `${target.nodeId}|${target.ip}|${target.type}|${target.port}`;

/**
 * Probes every target once per interval, their starts spread evenly over it (so a thousand services
 * are not a burst of a thousand connections), with at most `concurrency` in flight. A target whose
 * previous probe is still queued or running is not queued again, so the queue never holds more
 * than one entry per target, however slow the probes.
 */
export class ServiceProber {
  readonly #schedule: Scheduler;
  readonly #cancels = new Set<() => void>();
  readonly #queued = new Set<string>();
  readonly #waiting: ProbeTarget[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #stopping = new AbortController();
  #stopped = false;

  constructor(private readonly options: ServiceProberOptions) {
    this.#schedule = options.schedule ?? timerScheduler;
  }

  /** Starts the first round now; each round schedules the next one an interval later. */
  start(): void {
    this.#round();
  }

  /** Probes every current target now (still `concurrency` at a time) and resolves once they are done. */
  async probeAll(): Promise<void> {
    for (const target of this.options.targets()) this.#enqueue(target);
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  /** Stops scheduling, drops what is queued, cuts the connects in flight short and waits for them. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
    this.#waiting.length = 0;
    this.#queued.clear();
    await Promise.all(this.#running);
  }

  #round(): void {
    const targets = this.options.targets();
    const spacing = targets.length > 0 ? this.options.intervalMs / targets.length : 0;
    targets.forEach((target, index) => this.#later(Math.floor(index * spacing), () => this.#enqueue(target)));
    this.#later(this.options.intervalMs, () => this.#round());
  }

  #later(delayMs: number, run: () => void): void {
    if (this.#stopped) return;
    const cancel = this.#schedule(delayMs, () => {
      this.#cancels.delete(cancel);
      run();
    });
    this.#cancels.add(cancel);
  }

  #enqueue(target: ProbeTarget): void {
    const key = keyOf(target);
    if (this.#stopped || this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#waiting.push(target);
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.options.concurrency) {
      const target = this.#waiting.shift();
      if (!target) return;
      const running: Promise<void> = this.options.probe(target, this.#stopping.signal).finally(() => {
        this.#running.delete(running);
        this.#queued.delete(keyOf(target));
        this.#pump();
      });
      this.#running.add(running);
    }
  }
}
