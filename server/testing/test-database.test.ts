import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { signedRegister } from '../../client/signed-requests.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { createTestMesh, newSigner, testConfig } from './harness.js';
import { registerOverHttp, startTestServer, useCleanups } from './servers.js';

const defer = useCleanups();
const saved = process.env.MESH_TEST_DB_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.MESH_TEST_DB_URL;
  else process.env.MESH_TEST_DB_URL = saved;
});

async function nodeIds(url: string): Promise<string[]> {
  const client = createClient({ url });
  try {
    return (await client.execute('SELECT id FROM nodes ORDER BY id')).rows.map((row) => row[0] as string);
  } finally {
    client.close();
  }
}

describe('MESH_TEST_DB_URL', () => {
  it('puts the harness meshes and test servers on that database, emptied for each', async () => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const url = `file:${join(dir, 'shared.db')}`;
    const leftover = createClient({ url });
    await leftover.execute('CREATE TABLE leftover (x)');
    leftover.close();
    process.env.MESH_TEST_DB_URL = url;
    expect(testConfig().dbUrl).toBe(url);

    const t = await createTestMesh();
    defer(() => t.mesh.close());
    await t.api.node.register(
      signedRegister(newSigner(t.clock), { nodeId: 'from-caller', tailscaleHostname: 'a.ts.net' }, { network: t.network }),
    );
    expect(await nodeIds(url)).toEqual(['from-caller']);
    const tables = createClient({ url });
    expect((await tables.execute(`SELECT name FROM sqlite_master WHERE name = 'leftover'`)).rows).toEqual([]);
    tables.close();
    t.mesh.close();

    const server = await startTestServer(defer);
    await registerOverHttp(server.url, 'from-http');
    // A fresh database for this server: the previous mesh's node is gone.
    expect(await nodeIds(url)).toEqual(['from-http']);
  });

  it('changes nothing when unset: a fresh in-memory database each time', async () => {
    delete process.env.MESH_TEST_DB_URL;
    expect(testConfig().dbUrl).toBe(':memory:');
    const first = await createTestMesh();
    defer(() => first.mesh.close());
    await first.api.node.register(
      signedRegister(newSigner(first.clock), { nodeId: 'n1', tailscaleHostname: 'a.ts.net' }, { network: first.network }),
    );
    const second = await createTestMesh();
    defer(() => second.mesh.close());
    expect(first.mesh.config.dbUrl).toBe(':memory:');
    expect(await second.api.node.list({})).toMatchObject({ nodes: [] });
  });
});
