import { router } from '../../trpc.js';
import { heartbeatProcedure } from './heartbeat.js';

export const healthRouter = router({
  heartbeat: heartbeatProcedure,
});
