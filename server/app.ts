import type { AddressInfo } from 'node:net';
import type { MeshConfig } from './config.js';
import type { Clock } from './clock.js';
import { startSweeper } from './sweeper.js';
import { startRateLimitReports } from './limits/rate-limit-report.js';
import { startServiceProbes } from './probes/service-probes.js';
import { createMeshServer } from './mesh-server.js';
import type { Logger } from './log.js';
import { createMesh, type Mesh } from './mesh.js';

export interface RunningMesh {
  mesh: Mesh;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8190 */
  url: string;
  port: number;
  /** Responses under way (event streams included). */
  requestsInFlight(): number;
  /** A graceful stop: see Operations in the README. Calling it again returns the same stop. */
  close(): Promise<void>;
}

/** Starts a mesh: database, snapshot, HTTP server and health sweeper. close() stops all of them in order. */
export async function startMesh(
  config: MeshConfig,
  options: { logger: Logger; clock?: Clock; dashboardDir?: string },
): Promise<RunningMesh> {
  const mesh = await createMesh(config, options);
  const { server, closeWebSockets, markStarted, inFlight } = createMeshServer(mesh, options.logger, {
    dashboardDir: options.dashboardDir,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    mesh.close();
    throw error;
  }
  // Before the leader-only work: it starts only while this process holds the lease.
  const leadership = mesh.leader.start(options.logger, config.eventPollMs);
  const sweeper = startSweeper(mesh, options.logger);
  const rateLimitReports = startRateLimitReports(mesh, options.logger);
  const probes = startServiceProbes(mesh, options.logger);
  // Other mesh processes may share the database: their events reach this one by polling the log.
  const poller = mesh.hub.startPolling(config.eventPollMs, options.logger);
  markStarted();
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let closing: Promise<void> | undefined;
  return {
    mesh,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requestsInFlight: () => inFlight.size,
    close() {
      closing ??= (async () => {
        // Stop taking connections, close the idle ones, make every answer to come the last of its
        // connection, and cut the event streams: requests in flight go on and are answered.
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        // The grace period counts from the stop's start, whatever stopping the rest takes.
        let graceTimer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, config.shutdownGraceMs);
        });
        inFlight.beginStop();
        server.closeIdleConnections();
        closeWebSockets();
        await sweeper.stop();
        await rateLimitReports.stop();
        await probes.stop();
        // With its leader-only work stopped, the lease is given up: another process takes over at once.
        await leadership.stop();
        await poller.stop();
        await Promise.race([inFlight.settled(), graceOver]);
        clearTimeout(graceTimer);
        if (inFlight.size > 0) {
          options.logger.info(
            `${inFlight.size} requests still under way after ${config.shutdownGraceMs} ms (MESH_SHUTDOWN_GRACE_MS): cut`,
          );
        }
        server.closeAllConnections();
        await serverClosed;
        // Writes already queued are committed before the database closes: nothing acknowledged is lost.
        await mesh.database.exclusive(() => Promise.resolve());
        mesh.close();
      })();
      return closing;
    },
  };
}
