/**
 * One health-sweeper pass timed in the benchmark's own process: a mesh created with createMesh
 * over the seeded file, its clock moved past the offline threshold, then sweepOnce, the function
 * the running server calls every MESH_SWEEP_INTERVAL_MS. No endpoint is added for it.
 */
import { loadConfig } from '../../server/config.js';
import { sweepOnce } from '../../server/sweeper.js';
import { silentLogger } from '../../server/log.js';
import { createMesh } from '../../server/mesh.js';

export interface SweepFigure {
  ms: number;
  wentOffline: number;
  heartbeatsDeleted: number;
}

/**
 * `now` is the time the database was seeded for. The mesh "starts" one offline threshold before
 * it, so the pass at `now` is allowed to mark nodes offline (a fresh process never does that
 * before it has heard its nodes for a full threshold).
 */
export async function measureSweep(dbPath: string, now: number): Promise<SweepFigure> {
  const config = loadConfig({ MESH_DB_PATH: dbPath, MESH_NETWORK: 'bench', MESH_LOG_REQUESTS: 'false' });
  let time = now - config.offlineAfterMs;
  const mesh = await createMesh(config, { clock: { now: () => time }, logger: silentLogger });
  try {
    time = now;
    const started = performance.now();
    const result = await sweepOnce(mesh);
    const ms = performance.now() - started;
    return { ms, wentOffline: result.wentOffline.length, heartbeatsDeleted: result.heartbeatsDeleted };
  } finally {
    mesh.close();
  }
}
