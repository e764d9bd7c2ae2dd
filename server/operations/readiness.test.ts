import { copyFileSync, renameSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMeshServer } from '../mesh-server.js';
import { silentLogger } from '../log.js';
import { createMesh } from '../mesh.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { startTestServer, useCleanups } from '../testing/servers.js';

const defer = useCleanups();

async function readyz(url: string) {
  const response = await fetch(`${url}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as {
      status: string;
      failing: string[];
      checks: Record<string, { ok: boolean; message: string }>;
    },
  };
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function fileMesh() {
  const temp = tempDir();
  defer(() => temp.cleanup());
  const path = join(temp.dir, 'mesh.db');
  return { path, dbUrl: `file:${path}` };
}

describe('GET /livez and GET /readyz', () => {
  it('livez answers while the process does', async () => {
    const running = await startTestServer(defer);
    const response = await fetch(`${running.url}/livez`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('readyz turns 503, naming the database, while the database file is moved away, and 200 once it is back', async () => {
    const { path, dbUrl } = fileMesh();
    const running = await startTestServer(defer, { dbUrl });
    const ready = await readyz(running.url);
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', failing: [] } });
    expect(Object.values(ready.body.checks).every((check) => check.ok)).toBe(true);

    // An operator's mistake: the file is moved (or deleted). SQLite keeps answering on the open
    // file, but nothing mesh writes now would be found at the path.
    renameSync(path, `${path}.moved`);
    const moved = await readyz(running.url);
    expect(moved.status).toBe(503);
    expect(moved.body.status).toBe('unavailable');
    expect(moved.body.failing).toContain('database');
    expect(moved.body.checks.database?.message).toContain(`${path} cannot be found`);

    renameSync(`${path}.moved`, path);
    expect(await readyz(running.url)).toMatchObject({ status: 200, body: { failing: [] } });
  });

  it('readyz stays 503 once the database file was replaced by another one, until mesh restarts', async () => {
    const { path, dbUrl } = fileMesh();
    const running = await startTestServer(defer, { dbUrl });
    expect((await readyz(running.url)).status).toBe(200);
    // A backup restored over the live file: a new file at the same path.
    copyFileSync(path, `${path}.backup`);
    renameSync(`${path}.backup`, path);
    const replaced = await readyz(running.url);
    expect(replaced.status).toBe(503);
    expect(replaced.body.checks.database?.message).toMatch(/was replaced since mesh opened it: restart mesh/);
  });

  it('readyz turns 503 when the database stops answering', async () => {
    const running = await startTestServer(defer);
    running.mesh.database.client.close();
    const closed = await readyz(running.url);
    expect(closed.status).toBe(503);
    expect(closed.body.failing).toEqual(['database', 'migrations']);
    expect(closed.body.checks.database?.message).toMatch(/^the database does not answer/);
  });

  it('readyz waits for start-up and for a verification thread', async () => {
    const mesh = await createMesh(testConfig({ verifyThreads: 1 }), { logger: silentLogger });
    const { server, markStarted } = createMeshServer(mesh, silentLogger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => {
      server.close();
      mesh.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const starting = await readyz(url);
    expect(starting.status).toBe(503);
    expect(starting.body.failing).toContain('startup');
    markStarted();
    const ready = await until(
      () => readyz(url),
      (answer) => answer.status === 200,
    );
    expect(ready.body.checks.verifier).toEqual({ ok: true, message: '1 of 1 verification threads up' });
  });
});
