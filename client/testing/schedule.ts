import type { Schedule } from '../agent.js';

/** An agent's timer driven by hand: no test waits for real time to pass. */
export class ManualSchedule {
  /** Every delay the agent asked for, in order. */
  readonly delays: number[] = [];
  #pending: (() => void) | undefined;
  #listeners: Array<() => void> = [];

  readonly schedule: Schedule = (task, delayMs) => {
    this.delays.push(delayMs);
    this.#pending = task;
    for (const listener of this.#listeners.splice(0)) listener();
    return () => {
      if (this.#pending === task) this.#pending = undefined;
    };
  };

  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** Waits until the agent has scheduled `count` wake-ups in all, so the round before the last is done; its delay. */
  async scheduled(count: number): Promise<number> {
    while (this.delays.length < count) await new Promise<void>((resolve) => this.#listeners.push(resolve));
    return this.delays[count - 1] as number;
  }

  /** Runs the pending wake-up as if its delay had passed, and waits for that round; the next delay. */
  async fire(): Promise<number> {
    const task = this.#pending;
    if (!task) throw new Error('nothing is scheduled');
    this.#pending = undefined;
    const count = this.delays.length + 1;
    task();
    return this.scheduled(count);
  }
}
