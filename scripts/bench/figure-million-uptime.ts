/**
 * One uptime refresh at a million nodes and the longest event-loop stall while it runs: a mesh
 * made by createMesh over the seeded file (which computes every node's figures once as it starts),
 * its clock then moved on by UPTIME_REFRESH_MS at a time, and refreshUptime, the function the
 * sweeper calls every minute: the first two minutely refreshes after start (the figure is the first;
 * the longest stall is judged over both, as either may share its time with a collection of the
 * million-node heap). It runs in this process, so monitorEventLoopDelay sees how long it holds the thread,
 * and the main thread's own CPU time (from /proc, the thread whose id is the process id) shows what
 * it costs there, apart from the uptime thread beside it.
 */
import { silentLogger } from '../../server/log.js';
import { createMesh, type Mesh } from '../../server/mesh.js';
import { refreshUptime, UPTIME_REFRESH_MS } from '../../server/uptime-refresh.js';
import { watchEventLoop } from './event-loop.js';
import { cpuSeconds } from './proc-stats.js';
import { inProcessConfig } from './scale.js';

export interface RefreshRun {
  ms: number;
  /** The longest the event loop was held while the refresh ran, in ms. */
  longestStallMs: number;
  /** CPU time of the main thread during the refresh, in ms. */
  mainThreadMs: number;
  /** Whether the uptime thread failed and the figures were computed on the main thread instead. */
  fellBack: boolean;
}

export interface UptimeRefreshFigures extends RefreshRun {
  nodes: number;
  /** The second minutely refresh after start; the figures above are the first's. */
  second: RefreshRun;
}

/** The main thread is the one whose id is the process id: its own stat file, not every thread's. */
const mainThreadSeconds = () => cpuSeconds(process.pid, `/proc/${process.pid}/task/${process.pid}/stat`);

async function timedRefresh(mesh: Mesh): Promise<RefreshRun> {
  let fellBack = false;
  const stalls = watchEventLoop();
  const cpuBefore = mainThreadSeconds();
  const started = performance.now();
  await refreshUptime(mesh, () => (fellBack = true));
  const ms = performance.now() - started;
  const mainThreadMs = (mainThreadSeconds() - cpuBefore) * 1000;
  return { ms, longestStallMs: await stalls.stop(), mainThreadMs, fellBack };
}

/** `now` is the time the database was seeded for. */
export async function measureUptimeRefresh(dbPath: string, now: number): Promise<UptimeRefreshFigures> {
  let time = now;
  const mesh = await createMesh(inProcessConfig(dbPath), { clock: { now: () => time }, logger: silentLogger });
  try {
    time += UPTIME_REFRESH_MS;
    const first = await timedRefresh(mesh);
    time += UPTIME_REFRESH_MS;
    return { ...first, nodes: mesh.registry.nodeCount, second: await timedRefresh(mesh) };
  } finally {
    mesh.close();
  }
}
