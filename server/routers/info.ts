import { PROTOCOL_TAG } from '../../shared/messages.js';
import { infoSchema } from '../../shared/responses.js';
import { publicProcedure } from '../trpc.js';

/** What a client needs before it signs anything: the network id, the server's clock and the timings. */
export const infoProcedure = publicProcedure.output(infoSchema).query(({ ctx }) => ({
  status: 'ok',
  service: 'mesh',
  version: ctx.mesh.version,
  protocol: PROTOCOL_TAG,
  network: ctx.mesh.config.network,
  serverTime: ctx.mesh.clock.now(),
  heartbeatIntervalMs: ctx.mesh.config.heartbeatIntervalMs,
  offlineAfterMs: ctx.mesh.config.offlineAfterMs,
  maxSkewMs: ctx.mesh.config.maxSkewMs,
  maxFutureSkewMs: ctx.mesh.config.maxFutureSkewMs,
  selfPreservation: ctx.mesh.preservation.view(),
  regionConcentration: ctx.mesh.registry.regionConcentration(),
  leader: ctx.mesh.leader.status(),
}));
