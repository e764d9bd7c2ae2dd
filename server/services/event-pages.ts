import type { EventPage, EventPageQuery } from '../../shared/events.js';
import type { Db } from '../../db/database.js';
import { currentRevision, prunedThrough, readEventsAfter } from '../events/log.js';
import { aheadOfLogReset } from '../events/reset.js';

/**
 * A page of the events log: the audit trail of who changed what, when. The log's revision is read
 * before the page, with no transaction (drizzle's libSQL transactions always take the write lock):
 * an event committed in between has a later revision, so the next page, which starts at that
 * revision at the latest, still finds it.
 */
export async function readEventPage(db: Db, request: EventPageQuery): Promise<EventPage> {
  const scannedTo = await currentRevision(db);
  const pruned = await prunedThrough(db);
  if (request.sinceRevision > scannedTo) {
    const { revision, reason } = aheadOfLogReset(request.sinceRevision, scannedTo);
    return { events: [], revision, prunedThrough: pruned, nextSinceRevision: revision, reset: { revision, reason } };
  }
  const after = Math.max(request.sinceRevision, pruned);
  const events = await readEventsAfter(db, after, request.limit, request);
  const last = events.at(-1)?.revision ?? after;
  // A full page goes on after its last event. A short one has seen the whole log up to scannedTo
  // (with a filter, that is past its last event), and perhaps events committed since, past it.
  const nextSinceRevision = events.length === request.limit ? last : Math.max(after, scannedTo, last);
  return { events, revision: Math.max(scannedTo, last), prunedThrough: pruned, nextSinceRevision };
}
