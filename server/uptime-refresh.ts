import type { MeshContext } from './context.js';
import { readUptimes } from './services/uptime.js';

/**
 * How often the registry's uptime figures are recomputed from the rollup. Uptime moves by one
 * heartbeat interval at a time, so answers may show figures this much older than the rollup (plus
 * a sweeper interval, as the sweeper triggers it); recomputing on every heartbeat would cost more
 * than the heartbeats.
 */
export const UPTIME_REFRESH_MS = 60_000;

/** Recomputes every node's uptime and reputation from the rollup and lays them over discovery. */
export async function refreshUptime(mesh: Pick<MeshContext, 'database' | 'registry' | 'clock' | 'config'>): Promise<void> {
  const settings = { now: mesh.clock.now(), heartbeatIntervalMs: mesh.config.heartbeatIntervalMs };
  const figures = await mesh.database.read((db) => readUptimes(db, settings));
  mesh.registry.setUptimes(figures);
}
