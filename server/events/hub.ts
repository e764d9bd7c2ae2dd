import type { MeshEvent } from '../../shared/events.js';
import type { MeshDatabase } from '../../db/database.js';
import type { Logger } from '../log.js';
import type { Transport } from '../metrics/mesh-metrics.js';
import type { Registry } from '../registry/registry.js';
import { readEventsAfter } from './log.js';
import type { WriteRecord } from './write-record.js';

export interface EventListener {
  /** The newest revision this listener has delivered or queued: pruning keeps everything after it. */
  readonly cursor: number;
  offer(event: MeshEvent): void;
  /** How the watcher behind this listener is connected, for the metrics. */
  readonly transport?: Transport;
}

/** Told of the events this process commits (not those read back from other processes): metrics and logs. */
export type CommitObserver = (events: readonly MeshEvent[]) => void;

const CATCH_UP_PAGE = 1000;

/**
 * Moves the discovery snapshot and every watcher forward through the events log, strictly in
 * revision order and without gaps. Events this process committed are published straight from the
 * transaction that wrote them; events other processes sharing the database committed are read back
 * by polling. Both paths run one at a time, so nothing is applied twice or out of order.
 */
export class EventHub {
  readonly #listeners = new Set<EventListener>();
  #serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly database: MeshDatabase,
    private readonly registry: Registry,
    private readonly onCommitted: CommitObserver = () => {},
  ) {}

  get revision(): number {
    return this.registry.revision;
  }

  /** After a commit: its events (contiguous with what was applied, else the log is read back) and touches. */
  publish({ events, touches }: Pick<WriteRecord, 'events' | 'touches'>): Promise<void> {
    if (events.length > 0) this.onCommitted(events);
    return this.#inTurn(async () => {
      const first = events[0];
      if (first && first.revision !== this.revision + 1) await this.#readBack();
      for (const event of events) this.#apply(event);
      for (const touch of touches) this.registry.touchHeartbeat(touch.nodeId, touch.at);
    });
  }

  /** Applies whatever other processes committed since the last look. */
  catchUp(): Promise<void> {
    return this.#inTurn(() => this.#readBack());
  }

  /** Polls the log for other processes' events every `intervalMs`. */
  startPolling(intervalMs: number, logger: Logger): { stop(): Promise<void> } {
    let polling: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      polling = this.catchUp().catch((error: unknown) => logger.error('reading the events log failed', error));
    }, intervalMs);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await polling;
      },
    };
  }

  listen(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connected watchers by transport, counted when asked (at a metrics scrape). */
  watcherCounts(): Map<Transport, number> {
    const counts = new Map<Transport, number>();
    for (const { transport = 'internal' } of this.#listeners) counts.set(transport, (counts.get(transport) ?? 0) + 1);
    return counts;
  }

  /** The oldest revision a connected watcher still has to read, or null when none is behind. */
  oldestCursor(): number | null {
    let oldest: number | null = null;
    for (const listener of this.#listeners) oldest = oldest === null ? listener.cursor : Math.min(oldest, listener.cursor);
    return oldest;
  }

  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work, work);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  async #readBack(): Promise<void> {
    for (;;) {
      const after = this.revision;
      const page = await this.database.read((db) => readEventsAfter(db, after, CATCH_UP_PAGE));
      for (const event of page) this.#apply(event);
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  #apply(event: MeshEvent): void {
    if (event.revision <= this.revision) return;
    this.registry.applyEvent(event);
    // The log's node knows no uptime (it is computed in memory): live watchers get the current figures.
    const node = event.node && this.registry.withUptime(event.node);
    const offered = node === event.node ? event : { ...event, node };
    for (const listener of this.#listeners) listener.offer(offered);
  }
}
