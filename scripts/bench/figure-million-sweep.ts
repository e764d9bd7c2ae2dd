/**
 * One health-sweeper pass at a million nodes and the longest event-loop stall while it runs,
 * beside bare SQL scans of the same rows. The pass runs as in scale.ts: sweepOnce on a mesh made by
 * createMesh in this process, so the stall is measured in the process that runs the pass, with
 * monitorEventLoopDelay: any timer due while the pass holds the thread fires late by the stall.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient } from '@libsql/client';
import { loadConfig } from '../../server/config.js';
import { silentLogger } from '../../server/log.js';
import { createMesh } from '../../server/mesh.js';
import { sweepOnce } from '../../server/sweeper.js';
import { NETWORK } from './settings.js';

export interface SweepStallFigures {
  ms: number;
  /** The longest the event loop was held while the pass ran, in ms. */
  longestStallMs: number;
  wentOffline: number;
  heartbeatsDeleted: number;
  /** Bare scans of the same rows on a connection of their own, before the pass. */
  bare: { nodesMs: number; nodes: number; heartbeatsMs: number; heartbeats: number };
}

async function bareScans(dbPath: string, silentBefore: number, pruneBefore: number): Promise<SweepStallFigures['bare']> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    const timed = async (sql: string, args: number[]) => {
      const started = performance.now();
      const result = await client.execute({ sql, args });
      return { ms: performance.now() - started, n: Number(result.rows[0]?.n ?? 0) };
    };
    // What a pass must look at: every active node's last heartbeat, and the history past retention.
    const nodes = await timed("SELECT count(*) AS n FROM nodes WHERE status = 'active' AND last_heartbeat >= ?", [silentBefore]);
    const history = await timed('SELECT count(*) AS n FROM heartbeats WHERE timestamp < ?', [pruneBefore]);
    const total = await client.execute("SELECT count(*) AS n FROM nodes WHERE status = 'active'");
    return { nodesMs: nodes.ms, nodes: Number(total.rows[0]?.n ?? 0), heartbeatsMs: history.ms, heartbeats: history.n };
  } finally {
    client.close();
  }
}

/** `now` is the time the database was seeded for; the mesh "starts" one offline threshold before it. */
export async function measureSweepStall(dbPath: string, now: number): Promise<SweepStallFigures> {
  const config = loadConfig({ MESH_DB_PATH: dbPath, MESH_NETWORK: NETWORK, MESH_LOG_REQUESTS: 'false' });
  const bare = await bareScans(dbPath, now - config.offlineAfterMs, now - config.heartbeatRetentionMs);
  let time = now - config.offlineAfterMs;
  const mesh = await createMesh(config, { clock: { now: () => time }, logger: silentLogger });
  try {
    time = now;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const result = await sweepOnce(mesh);
    const ms = performance.now() - started;
    // Let the monitor's timer fire once after the pass, so a stall at its very end is counted.
    await new Promise((resolve) => setTimeout(resolve, 20));
    delay.disable();
    return {
      ms,
      longestStallMs: delay.max / 1e6,
      wentOffline: result.wentOffline.length,
      heartbeatsDeleted: result.heartbeatsDeleted,
      bare,
    };
  } finally {
    mesh.close();
  }
}
