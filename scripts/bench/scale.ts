/**
 * One health-sweeper pass timed in the benchmark's own process: a mesh created with createMesh
 * over the seeded file, its clock moved past the offline threshold, then sweepOnce, the function
 * the running server calls every MESH_SWEEP_INTERVAL_MS, in its two halves, each timed: the pass
 * proper (sweepPass: the decisions, one transaction) and the history pruning after it
 * (pruneAfterPass). No endpoint is added for it. Both run in this process, so
 * monitorEventLoopDelay sees how long they hold the thread: any timer due meanwhile fires late by the stall.
 */
import { loadConfig, type MeshConfig } from '../../server/config.js';
import { pruneAfterPass, sweepPass } from '../../server/sweeper.js';
import { silentLogger } from '../../server/log.js';
import { createMesh } from '../../server/mesh.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchEventLoop } from './event-loop.js';
import { NETWORK, SWEEP_SETTLE_MS } from './settings.js';

export interface SweepFigure {
  /** The whole of sweepOnce: the pass and the pruning after it. */
  ms: number;
  /** The pass proper, its decisions committed and published (sweepPass). */
  passMs: number;
  /** The heartbeat rows past retention deleted after it, a batch per transaction. */
  pruneMs: number;
  /** The longest the event loop was held while the pass ran, in ms. */
  longestStallMs: number;
  wentOffline: number;
  heartbeatsDeleted: number;
}

/** The configuration of a mesh made in this process (the sweeper pass, the simulated day): the defaults on the bench's network. */
export function inProcessConfig(dbPath: string): MeshConfig {
  return loadConfig({ MESH_DB_PATH: dbPath, MESH_NETWORK: NETWORK, MESH_LOG_REQUESTS: 'false' });
}

/**
 * `now` is the time the database was seeded for. The mesh "starts" one offline threshold before
 * it, so the pass at `now` is allowed to mark nodes offline (a fresh process never does that
 * before it has heard its nodes for a full threshold).
 */
export async function measureSweep(dbPath: string, now: number): Promise<SweepFigure> {
  const config = inProcessConfig(dbPath);
  let time = now - config.offlineAfterMs;
  const mesh = await createMesh(config, { clock: { now: () => time }, logger: silentLogger });
  try {
    time = now;
    await sleep(SWEEP_SETTLE_MS);
    const stalls = watchEventLoop();
    const started = performance.now();
    // sweepOnce, timed half by half.
    const result = await sweepPass(mesh);
    const passMs = performance.now() - started;
    await pruneAfterPass(mesh, result);
    const ms = performance.now() - started;
    const longestStallMs = await stalls.stop();
    return {
      ms,
      passMs,
      pruneMs: ms - passMs,
      longestStallMs,
      wentOffline: result.wentOffline.length,
      heartbeatsDeleted: result.heartbeatsDeleted,
    };
  } finally {
    mesh.close();
  }
}
