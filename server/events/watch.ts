import type { EventFilter, MeshEvent, WatchMessage } from '../../shared/events.js';
import type { MeshDatabase } from '../../db/database.js';
import { MeshError } from '../errors.js';
import type { Transport } from '../metrics/mesh-metrics.js';
import { BoundedQueue } from './bounded-queue.js';
import type { EventHub } from './hub.js';
import { prunedThrough, readEventsAfter } from './log.js';
import { aheadOfLogReset } from './reset.js';

/** Events a watcher may fall behind by before it is cut off: what one slow connection may cost. */
export const WATCH_QUEUE_CAPACITY = 1000;
const BACKFILL_PAGE = 500;

function matches(event: MeshEvent, filter: EventFilter): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  return !filter.nodeId || event.nodeId === filter.nodeId;
}

/**
 * Every event after `sinceRevision` (or from now on), in order, each exactly once, then live ones
 * as they commit. The watcher listens before it reads the backlog, so a change committed between
 * the two is neither lost nor doubled. A revision older than the retained log yields a reset.
 */
export interface WatchOptions {
  signal?: AbortSignal | undefined;
  /** Called when the watcher falls too far behind: a consumer that stopped reading will not see the error. */
  onOverflow?: ((error: Error) => void) | undefined;
  /** How the watcher is connected: counted by the metrics. */
  transport?: Transport | undefined;
}

export async function* watchEvents(
  mesh: { hub: EventHub; database: MeshDatabase },
  request: EventFilter & { sinceRevision?: number | undefined },
  { signal, onOverflow, transport = 'internal' }: WatchOptions = {},
): AsyncGenerator<WatchMessage> {
  let cursor = request.sinceRevision ?? mesh.hub.revision;
  const live = new BoundedQueue<MeshEvent>(
    WATCH_QUEUE_CAPACITY,
    () =>
      new MeshError(
        'SLOW_CONSUMER',
        `this watcher fell more than ${WATCH_QUEUE_CAPACITY} events behind and was disconnected: resume with sinceRevision=${cursor}`,
      ),
    onOverflow,
  );
  const listener = {
    transport,
    get cursor() {
      return cursor;
    },
    offer: (event: MeshEvent) => void live.push(event),
  };
  const stopListening = mesh.hub.listen(listener);
  const onAbort = () => live.end();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const pruned = await mesh.database.read((db) => prunedThrough(db));
    if (cursor < pruned) {
      const revision = mesh.hub.revision;
      yield {
        kind: 'reset',
        revision,
        reason: `events up to revision ${pruned} have been pruned: list again, then watch from ${revision}`,
      };
      cursor = revision;
    } else if (cursor > mesh.hub.revision) {
      yield aheadOfLogReset(cursor, mesh.hub.revision);
      cursor = mesh.hub.revision;
    }
    while (cursor < mesh.hub.revision && !signal?.aborted) {
      const after = cursor;
      const page = await mesh.database.read((db) => readEventsAfter(db, after, BACKFILL_PAGE));
      if (page.length === 0) break;
      for (const event of page) {
        if (signal?.aborted) return;
        if (event.revision <= cursor) continue;
        cursor = event.revision;
        if (matches(event, request)) yield { kind: 'event', event };
      }
    }
    for (;;) {
      const next = await live.next();
      if (next.done || signal?.aborted) return;
      if (next.value.revision <= cursor) continue;
      cursor = next.value.revision;
      if (matches(next.value, request)) yield { kind: 'event', event: next.value };
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stopListening();
  }
}
