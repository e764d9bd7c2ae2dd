import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { signedRegister } from '../client/signed-requests.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { startMesh, type RunningMesh } from './app.js';
import type { MeshConfig } from './config.js';
import { silentLogger } from './log.js';
import { newSigner, testConfig } from './testing/harness.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(overrides: Partial<MeshConfig> = {}): Promise<{ running: RunningMesh; dbUrl: string }> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const dbUrl = `file:${join(dir, 'mesh.db')}`;
  const running = await startMesh(testConfig({ port: 0, host: '127.0.0.1', dbUrl, ...overrides }), { logger: silentLogger });
  cleanups.push(() => running.close());
  return { running, dbUrl };
}

/** Another connection to the same file in BEGIN IMMEDIATE: what another process or a backup does. */
async function holdWriteLock(dbUrl: string): Promise<{ release: () => Promise<void> }> {
  const holder = createClient({ url: dbUrl });
  const transaction = await holder.transaction('write');
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await transaction.commit();
    holder.close();
  };
  cleanups.push(release);
  return { release };
}

function registration(nodeId: string) {
  return signedRegister(newSigner(), { nodeId, tailscaleHostname: `${nodeId}.ts.net`, services: [] }, { network: 'tana' });
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('another process holding the database write lock', () => {
  it('leaves reads from memory answering while a write waits, and the write succeeds after the release', async () => {
    const { running, dbUrl } = await start();
    const lock = await holdWriteLock(dbUrl);
    let registered = false;
    const register = post(`${running.url}/register`, registration('v1')).then((response) => {
      registered = true;
      return response;
    });
    // SQLite's busy wait on the main thread made these wait (5 s) until the write had failed.
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    expect((await fetch(`${running.url}/nodes`)).status).toBe(200);
    expect(registered).toBe(false);
    await lock.release();
    expect((await register).status).toBe(200);
  });

  it('answers 503 STORAGE_BUSY with Retry-After past MESH_DB_BUSY_TIMEOUT_MS, keeps nothing, reports it in /readyz, and recovers at once', async () => {
    const { running, dbUrl } = await start({ dbBusyTimeoutMs: 50 });
    const lock = await holdWriteLock(dbUrl);
    const request = registration('v2');

    const refused = await post(`${running.url}/register`, request);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ success: false, error: { code: 'STORAGE_BUSY' } });
    const viaTrpc = await post(`${running.url}/trpc/node.register`, { json: registration('v3') });
    expect(viaTrpc.status).toBe(503);
    expect(viaTrpc.headers.get('retry-after')).toBe('1');
    expect(await viaTrpc.json()).toMatchObject({ error: { json: { data: { meshCode: 'STORAGE_BUSY' } } } });

    const batched = await post(`${running.url}/trpc/node.register?batch=1`, { 0: { json: registration('v4') } });
    expect(batched.status).toBe(503);
    expect(batched.headers.get('retry-after')).toBe('1');

    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      failing: ['database'],
      checks: { database: { ok: false, message: expect.stringMatching(/writes fail since .*locked by another connection/) } },
    });
    // Nothing was acknowledged, and nothing was kept.
    expect((await fetch(`${running.url}/nodes/v2`)).status).toBe(404);

    await lock.release();
    // Ready again at once: the probe tries an empty write, it does not wait for a request to write.
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    // The refused request's timestamp was never used: the same body goes through now.
    expect((await post(`${running.url}/register`, request)).status).toBe(200);
  });
});
