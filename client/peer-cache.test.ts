import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../shared/testing/temp-dir.js';
import { createMeshClient } from './client.js';
import { MeshClientError } from './errors.js';
import { generateKey } from './keys.js';
import { discoverPeers, loadPeers } from './peer-cache.js';
import { refusingUrl } from '../shared/testing/ports.js';
import { startLiveMesh, type LiveMesh } from './testing/mesh.js';

let live: LiveMesh;
const tmp = tempDir();
beforeAll(async () => {
  live = await startLiveMesh();
  const client = createMeshClient({ url: live.url });
  for (const [nodeId, type] of [
    ['peer-a', 'ledger'],
    ['peer-b', 't4'],
    ['peer-c', 'ledger'],
  ] as const) {
    await client.register(generateKey(), { nodeId, tailscaleHostname: `${nodeId}.ts.net`, services: [{ type, port: 8080 }] });
    // peer-c stays pending: not a peer yet.
    if (nodeId !== 'peer-c') await client.approve(live.sovereignKey, nodeId);
  }
});
afterAll(async () => {
  await live.close();
  tmp.cleanup();
});

const offline = async () => createMeshClient({ url: await refusingUrl(), readAttempts: 1 });

describe('the last-known-good peer list', () => {
  it('saves the active peers, and serves them while mesh is unreachable', async () => {
    const cachePath = join(tmp.dir, 'state', 'peers.json');
    const fresh = await discoverPeers(createMeshClient({ url: live.url }), { cachePath });
    expect(fresh.source).toBe('mesh');
    expect(fresh.nodes.map((n) => n.id)).toEqual(['peer-a', 'peer-b']);
    expect(readdirSync(join(tmp.dir, 'state'))).toEqual(['peers.json']);

    const client = await offline();
    const cached = await discoverPeers(client, { cachePath });
    expect(cached).toEqual({ ...fresh, source: 'cache' });
    const ledgers = await discoverPeers(client, { cachePath, service: 'ledger' });
    expect(ledgers.nodes.map((n) => n.id)).toEqual(['peer-a']);
  });

  it('throws UNREACHABLE when mesh is down and nothing was saved yet', async () => {
    const error = await discoverPeers(await offline(), { cachePath: join(tmp.dir, 'never.json') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshClientError);
    expect((error as MeshClientError).code).toBe('UNREACHABLE');
  });

  it('says so when the cache file is not a peer list', async () => {
    const cachePath = join(tmp.dir, 'broken.json');
    writeFileSync(cachePath, '{"nodes": "nope"}');
    await expect(loadPeers(cachePath)).rejects.toThrow(`the peer cache ${cachePath} is not a saved peer list`);
  });
});
