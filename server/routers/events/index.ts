import { router } from '../../trpc.js';
import { listEventsProcedure } from './list.js';
import { watchProcedure } from './watch.js';

export const eventsRouter = router({
  watch: watchProcedure,
  list: listEventsProcedure,
});
