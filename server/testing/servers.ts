import { afterEach } from 'vitest';
import { signedRegister } from '../../client/signed-requests.js';
import { startMesh, type RunningMesh } from '../app.js';
import type { Clock } from '../clock.js';
import type { MeshConfig } from '../config.js';
import { silentLogger } from '../log.js';
import { freshTestDatabaseUrl } from '../../db/testing/test-database.js';
import { newSigner, testConfig } from './harness.js';

/**
 * Cleanups a test registers as it goes, run in reverse order after each test. Call once per test
 * file, at the top level.
 */
export function useCleanups(): (cleanup: () => unknown) => void {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => void cleanups.push(cleanup);
}

/**
 * A real mesh HTTP server on 127.0.0.1, on a port of its own (port 0), stopped after the test; on
 * a fresh in-memory database (or the emptied one at MESH_TEST_DB_URL) unless `dbUrl` names one.
 */
export async function startTestServer(
  defer: (cleanup: () => unknown) => void,
  options: { dbUrl?: string; config?: Partial<MeshConfig>; clock?: Clock } = {},
): Promise<RunningMesh> {
  const config = testConfig({
    host: '127.0.0.1',
    port: 0,
    ...options.config,
    dbUrl: options.config?.dbUrl ?? options.dbUrl ?? (await freshTestDatabaseUrl()),
  });
  const running = await startMesh(config, { logger: silentLogger, ...(options.clock ? { clock: options.clock } : {}) });
  defer(() => running.close());
  return running;
}

/** Registers a node with a fresh key through POST /register, as curl would. */
export async function registerOverHttp(baseUrl: string, nodeId: string): Promise<void> {
  const body = signedRegister(newSigner(), { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: 'tana' });
  const response = await fetch(`${baseUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`registering ${nodeId} failed: ${response.status} ${await response.text()}`);
}

/**
 * One REST call to a test server: `body` sent as JSON, the answer parsed as JSON. A bodiless call
 * sends `accept` when given (some paths answer otherwise without it).
 */
export async function restCall(baseUrl: string, method: string, path: string, body?: unknown, accept?: string) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? (accept === undefined ? {} : { accept }) : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, any> };
}
