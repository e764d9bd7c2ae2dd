import { createCallerFactory, router } from '../trpc.js';
import { enrollmentRouter } from './enrollment/index.js';
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
  enrollment: enrollmentRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
