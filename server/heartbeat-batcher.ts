import type { HeartbeatResult } from '../shared/responses.js';
import type { MeshDatabase } from '../db/database.js';
import type { Clock } from './clock.js';
import type { EventHub } from './events/hub.js';
import type { MeshMetrics } from './metrics/mesh-metrics.js';
import { recordHeartbeats, type HeartbeatSubmission } from './services/heartbeats.js';
import { writeAndPublish } from './write.js';

interface Waiting {
  submission: HeartbeatSubmission;
  resolve: (result: HeartbeatResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the verified heartbeats of one turn of the event loop and records them together, so a
 * thousand heartbeats cost a few statements rather than thousands. Each caller is answered only
 * after the commit holding its heartbeat. Two heartbeats of one key go into successive rounds, in
 * the order they came, so replay protection judges them as it would one by one.
 */
export class HeartbeatBatcher {
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(
    private readonly database: MeshDatabase,
    private readonly hub: EventHub,
    private readonly clock: Clock,
    private readonly metrics: MeshMetrics,
  ) {}

  submit(submission: HeartbeatSubmission): Promise<HeartbeatResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ submission, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    await Promise.all(roundsByKey(waiting).map((round) => this.#record(round)));
  }

  async #record(round: Waiting[]): Promise<void> {
    try {
      const queuedAt = performance.now();
      const outcomes = await writeAndPublish(this.database, this.hub, (tx, record) =>
        recordHeartbeats(
          tx,
          record,
          round.map((entry) => entry.submission),
          this.clock.now(),
        ),
      );
      this.metrics.heartbeatBatchCommitted(round.length, (performance.now() - queuedAt) / 1000);
      round.forEach((entry, index) => {
        const outcome = outcomes[index];
        if (outcome?.ok) entry.resolve(outcome.result);
        else entry.reject(outcome?.error);
      });
    } catch (error) {
      for (const entry of round) entry.reject(error);
    }
  }
}

/** Splits a batch so that each round holds a key at most once, keeping each key's order. */
function roundsByKey(waiting: Waiting[]): Waiting[][] {
  const rounds: Waiting[][] = [];
  const seen = new Map<string, number>();
  for (const entry of waiting) {
    const round = seen.get(entry.submission.nodeKey) ?? 0;
    seen.set(entry.submission.nodeKey, round + 1);
    (rounds[round] ??= []).push(entry);
  }
  return rounds;
}
