/**
 * Scale: 100,000 nodes seeded directly. Resident memory after start and after a discovery
 * request, start-up time (spawn to first answered GET /health, beside the bare server started the
 * same way), and one health-sweeper pass.
 */
import { randomInt } from 'node:crypto';
import { cleanEnv } from '../../shared/testing/processes.js';
import { memory } from './proc-stats.js';
import { freePort, spawnTs, stopChild } from './processes.js';
import { formatCount, formatMs } from './report.js';
import { measureSweep, type SweepFigure } from './scale.js';
import { benchIp, benchNodeId, randomPublicKey, seedDatabase, type SeedNode } from './seed.js';
import { fetchOnce, startTimedMesh, timeToFirstAnswer } from './servers.js';
import { progress, SCALE_NODES } from './settings.js';
import { workFile } from './workspace.js';

export interface ScaleFigures {
  startupMs: number;
  rssAfterStart: number;
  rssAfterDiscovery: number;
  peakRss: number;
  discoveryMs: number;
  discoveryBytes: number;
  bareStartupMs: number;
  bareRss: number;
  sweep: SweepFigure;
  seedMs: number;
}

function scaleSeed(now: number): { nodes: SeedNode[]; heartbeats: { nodeId: string; timestamp: number }[] } {
  // Steady state at 100,000 nodes: nearly all heard from within the 2-minute interval, 0.1 % silent
  // past the offline threshold (they go offline in this pass). Heartbeat history: one recent row
  // per node, plus the 25,000 rows a 30 s sweep finds past the 24 h retention (100,000 nodes ×
  // 30 s / 120 s) — the full 24 h history (72 M rows) is not seeded.
  const nodes: SeedNode[] = [];
  const heartbeats: { nodeId: string; timestamp: number }[] = [];
  const dayMs = 24 * 60 * 60 * 1000;
  for (let index = 0; index < SCALE_NODES; index++) {
    const id = benchNodeId('scale', index);
    const silent = index % 1000 === 999;
    const lastHeartbeat = silent ? now - 600_000 : now - randomInt(0, 120_000);
    nodes.push({ id, publicKey: randomPublicKey(), ip: benchIp(index), status: 'active', lastHeartbeat });
    heartbeats.push({ nodeId: id, timestamp: lastHeartbeat });
    if (index % 4 === 0) heartbeats.push({ nodeId: id, timestamp: now - dayMs - randomInt(1, 30_000) });
  }
  // A running mesh writes history rows at its own time, in commit order: row ids grow with time
  // (the sweeper prunes by id range on that ground), so the seeded history is written the same way.
  heartbeats.sort((a, b) => a.timestamp - b.timestamp);
  return { nodes, heartbeats };
}

export async function measureScale(sovereignKey: string): Promise<ScaleFigures> {
  const dbPath = workFile('scale.db');
  const now = Date.now();
  const seedStarted = performance.now();
  await seedDatabase(dbPath, { now, sovereignPublicKey: sovereignKey, ...scaleSeed(now) });
  const seedMs = performance.now() - seedStarted;
  progress(`scale: ${formatCount(SCALE_NODES)} nodes seeded in ${formatMs(seedMs)}`);

  // The floor for start-up and memory: the bare server, started the same way (node + tsx).
  const barePort = await freePort();
  let bareChild: ReturnType<typeof spawnTs> | undefined;
  const bare = await timeToFirstAnswer(() => {
    bareChild = spawnTs('scripts/bench/bare-server.ts', { env: cleanEnv({ BARE_PORT: String(barePort) }) });
    return { pid: bareChild.pid ?? -1 };
  }, barePort);
  const bareRss = memory(bare.pid).rss;
  if (bareChild) await stopChild(bareChild);

  const { server: mesh, ms: startupMs } = await startTimedMesh(dbPath, {}, 60_000);
  try {
    const rssAfterStart = memory(mesh.pid).rss;
    const discoveryStarted = performance.now();
    const answer = await fetchOnce(mesh.origin, '/nodes?status=active', {}, 60_000);
    const discoveryMs = performance.now() - discoveryStarted;
    if (answer.status !== 200) throw new Error(`GET /nodes?status=active at ${SCALE_NODES} nodes answered ${answer.status}`);
    const after = memory(mesh.pid);
    await stopChild(mesh.child);
    progress(`scale: start-up ${formatMs(startupMs)}, discovery ${formatMs(discoveryMs)}; timing one sweeper pass`);
    const sweep = await measureSweep(dbPath, now);
    return {
      startupMs,
      rssAfterStart,
      rssAfterDiscovery: after.rss,
      peakRss: after.peak,
      discoveryMs,
      discoveryBytes: answer.body.length,
      bareStartupMs: bare.ms,
      bareRss,
      sweep,
      seedMs,
    };
  } finally {
    await stopChild(mesh.child);
  }
}
