import { PROTOCOL_TAG } from '../../shared/messages.js';
import type { Info } from '../../shared/responses.js';
import { publicProcedure } from '../trpc.js';

/** What a client needs before it signs anything: the network id, the server's clock and the timings. */
export const infoProcedure = publicProcedure.query(({ ctx }): Info => ({
  status: 'ok',
  service: 'mesh',
  version: ctx.version,
  protocol: PROTOCOL_TAG,
  network: ctx.config.network,
  serverTime: ctx.clock.now(),
  heartbeatIntervalMs: ctx.config.heartbeatIntervalMs,
  offlineAfterMs: ctx.config.offlineAfterMs,
  maxSkewMs: ctx.config.maxSkewMs,
}));
