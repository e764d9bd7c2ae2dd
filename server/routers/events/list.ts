import { eventPageRequestSchema, eventPageSchema } from '../../../shared/events.js';
import { readEventPage } from '../../services/event-pages.js';
import { publicProcedure } from '../../trpc.js';

export const listEventsProcedure = publicProcedure
  .input(eventPageRequestSchema)
  .output(eventPageSchema)
  .query(({ ctx, input }) => ctx.mesh.database.read((db) => readEventPage(db, input)));
