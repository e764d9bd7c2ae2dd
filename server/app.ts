import type { AddressInfo } from 'node:net';
import type { MeshConfig } from './config.js';
import type { Clock } from './clock.js';
import { startSweeper } from './sweeper.js';
import { startServiceProbes } from './probes/service-probes.js';
import { createMeshServer } from './mesh-server.js';
import type { Logger } from './log.js';
import { createMesh, type Mesh } from './mesh.js';

const STREAM_GRACE_MS = 1_000;

export interface RunningMesh {
  mesh: Mesh;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8190 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a mesh: database, snapshot, HTTP server and health sweeper. close() stops all of them in order. */
export async function startMesh(
  config: MeshConfig,
  options: { logger: Logger; clock?: Clock; dashboardDir?: string },
): Promise<RunningMesh> {
  const mesh = await createMesh(config, options);
  const { server, closeWebSockets, markStarted } = createMeshServer(mesh, options.logger, { dashboardDir: options.dashboardDir });
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
  const sweeper = startSweeper(mesh, options.logger);
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
    close() {
      closing ??= (async () => {
        await sweeper.stop();
        await probes.stop();
        await poller.stop();
        closeWebSockets();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Event streams never end by themselves: they are cut here, and their clients resume elsewhere.
          setTimeout(() => server.closeAllConnections(), STREAM_GRACE_MS).unref();
        });
        // Requests still in flight have finished (server.close waits for them): nothing is cut mid-write.
        await mesh.database.exclusive(() => Promise.resolve());
        mesh.close();
      })();
      return closing;
    },
  };
}
