import { eventPageRequestSchema, type EventPage } from '../../../shared/events.js';
import { currentRevision, prunedThrough, readEventsAfter } from '../../events/log.js';
import { publicProcedure } from '../../trpc.js';

/** A page of the events log: the audit trail of who changed what, when. */
export const listEventsProcedure = publicProcedure.input(eventPageRequestSchema).query(({ ctx, input }) =>
  // One read transaction: the page and the revision it ends at must come from the same moment.
  ctx.mesh.database.read((db) => db.transaction(async (db): Promise<EventPage> => {
    const pruned = await prunedThrough(db);
    const after = Math.max(input.sinceRevision, pruned);
    const events = await readEventsAfter(db, after, input.limit, input);
    const revision = await currentRevision(db);
    // With a filter, a short page may stop before the end of the log: the next page starts after what was scanned.
    const nextSinceRevision = events.length === input.limit ? (events.at(-1)?.revision ?? after) : Math.max(after, revision);
    return { events, revision, prunedThrough: pruned, nextSinceRevision };
  }, { behavior: 'deferred' })),
);
