import { createCallerFactory, router } from '../trpc.js';
import { eventsRouter } from './events/index.js';
import { healthRouter } from './health/index.js';
import { infoProcedure } from './info.js';
import { nodeRouter } from './node/index.js';
import { sovereignRouter } from './sovereign/index.js';

export const appRouter = router({
  info: infoProcedure,
  node: nodeRouter,
  health: healthRouter,
  sovereign: sovereignRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
