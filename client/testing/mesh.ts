import { type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startMesh, type RunningMesh } from '../../server/app.js';
import type { MeshConfig } from '../../server/config.js';
import type { Clock } from '../../server/clock.js';
import { silentLogger } from '../../server/log.js';
import { testConfig } from '../../server/testing/harness.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { publicKeyHex, newEd25519Key } from '../../shared/sign.js';
import type { Registration } from '../signed-requests.js';

export interface LiveMesh {
  running: RunningMesh;
  url: string;
  /** The first sovereign, bootstrapped through MESH_SOVEREIGN_KEYS. */
  sovereignKey: KeyObject;
  close(): Promise<void>;
}

/** A real mesh over HTTP on a free loopback port, with a file database in a temporary directory. */
export async function startLiveMesh(overrides: Partial<MeshConfig> = {}, options: { clock?: Clock } = {}): Promise<LiveMesh> {
  const { dir, cleanup } = tempDir();
  const sovereignKey = newEd25519Key();
  const config = testConfig({
    port: 0,
    host: '127.0.0.1',
    dbUrl: `file:${join(dir, 'mesh.db')}`,
    sovereignKeys: [publicKeyHex(sovereignKey)],
    // Every node of these tests writes from one loopback address, as no real network does.
    rateLimitBurst: 10_000,
    ...overrides,
  });
  const running = await startMesh(config, { logger: silentLogger, ...options });
  return {
    running,
    url: running.url,
    sovereignKey,
    close: async () => {
      await running.close();
      cleanup();
    },
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server that is not mesh (a proxy, a flaky link): `handle` decides what each request gets. */
export async function startFakeServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  const url = await listen(server);
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A validator's registration: a ledger service on 8080 at a tailnet address, `fields` over it. */
export function validatorRegistration(nodeId: string, fields: Partial<Registration> = {}): Registration {
  return {
    nodeId,
    tailscaleHostname: `${nodeId}.ts.net`,
    tailscaleIP: '100.64.0.7',
    services: [{ type: 'ledger', port: 8080 }],
    ...fields,
  };
}
