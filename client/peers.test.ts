import { type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMesh, type RunningMesh } from '../server/app.js';
import { createContext } from '../server/context.js';
import { silentLogger } from '../server/log.js';
import { createMesh } from '../server/mesh.js';
import { createCaller } from '../server/routers/_app.js';
import { sweepOnce } from '../server/sweeper.js';
import { newSigner, TestClock, testConfig } from '../server/testing/harness.js';
import { useCleanups } from '../server/testing/servers.js';
import { publicKeyHex, newEd25519Key } from '../shared/sign.js';
import { refusingUrl, startRelay } from '../shared/testing/ports.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { waitUntil } from '../shared/testing/wait.js';
import { signedNodeDecision, signedRegister } from './signed-requests.js';
import { createMeshClient, type MeshClient } from './client.js';
import { generateKey } from './keys.js';
import type { PeerChange } from './peers.js';
import { Signer } from './signer.js';

// The informer against real mesh servers: a file database that outlives restarts, behind a relay
// that keeps the client's URL while the server behind it stops and starts again.

const defer = useCleanups();
const fastRetry = () => 20;

interface Site {
  dbUrl: string;
  dir: string;
  sovereignKey: KeyObject;
  relay: Awaited<ReturnType<typeof startRelay>>;
  running: RunningMesh | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function startSite(): Promise<Site> {
  const { dir, cleanup } = tempDir();
  const relay = await startRelay();
  const sovereignKey = newEd25519Key();
  const site: Site = {
    dir,
    dbUrl: `file:${join(dir, 'mesh.db')}`,
    sovereignKey,
    relay,
    running: undefined,
    async start() {
      const config = testConfig({
        port: 0,
        host: '127.0.0.1',
        dbUrl: site.dbUrl,
        sovereignKeys: [publicKeyHex(sovereignKey)],
        rateLimitBurst: 10_000,
      });
      site.running = await startMesh(config, { logger: silentLogger });
      relay.target = site.running.port;
    },
    async stop() {
      relay.target = null;
      await site.running?.close();
      site.running = undefined;
    },
  };
  await site.start();
  defer(async () => {
    await site.stop();
    await relay.close();
    cleanup();
  });
  return site;
}

async function activePeer(client: MeshClient, site: Site, nodeId: string, service = 'ledger') {
  await client.register(generateKey(), {
    nodeId,
    tailscaleHostname: `${nodeId}.ts.net`,
    services: [{ type: service, port: 8080 }],
  });
  await client.approve(site.sovereignKey, nodeId);
}

function recordChanges() {
  const changes: PeerChange[] = [];
  const described = () => changes.map((change) => `${change.type} ${change.node.id}`);
  return { changes, described, onChange: (change: PeerChange) => void changes.push(change) };
}

describe('client.peers(): the informer', () => {
  it('lists once, a page at a time, then follows live changes within its filter', async () => {
    const site = await startSite();
    const client = createMeshClient({ url: site.relay.url });
    await activePeer(client, site, 'a');
    await activePeer(client, site, 'b');
    await activePeer(client, site, 'c', 'rpc');
    const record = recordChanges();
    const informer = client.peers({ service: 'ledger', pageSize: 1, onChange: record.onChange, retryDelayMs: fastRetry });
    defer(() => informer.close());
    await informer.ready;
    expect([...informer.peers.keys()].sort()).toEqual(['a', 'b']);
    expect(informer.lists).toBe(1);
    expect(informer.source).toBe('mesh');
    expect(record.described()).toEqual(['added a', 'added b']);

    await activePeer(client, site, 'd');
    await waitUntil(() => informer.peers.has('d'), 'd to be added');
    await client.deny(site.sovereignKey, 'a');
    await waitUntil(() => !informer.peers.has('a'), 'a to be removed');
    // d was registered (pending: not a peer), then approved; a left the filter when denied.
    expect(record.described().slice(2)).toEqual(['added d', 'removed a']);
    expect(informer.lists).toBe(1);
  });

  it('resumes by revision across a mesh restart, listing nothing again', async () => {
    const site = await startSite();
    const client = createMeshClient({ url: site.relay.url });
    await activePeer(client, site, 'a');
    const record = recordChanges();
    const informer = client.peers({ onChange: record.onChange, retryDelayMs: fastRetry });
    defer(() => informer.close());
    await informer.ready;
    const before = informer.revision;

    await site.stop();
    await waitUntil(() => informer.source === 'cache', 'the informer to notice mesh is down');
    expect([...informer.peers.keys()]).toEqual(['a']);
    await site.start();
    await activePeer(client, site, 'b');
    await waitUntil(() => informer.peers.has('b'), 'b, approved after the restart');
    expect(informer.source).toBe('mesh');
    expect(informer.lists).toBe(1);
    expect(informer.revision).toBeGreaterThan(before ?? Infinity);
    expect(record.described()).toEqual(['added a', 'added b']);
  });

  it('lists again after a reset (its revision was pruned), telling the differences as changes', async () => {
    const site = await startSite();
    const client = createMeshClient({ url: site.relay.url });
    await activePeer(client, site, 'a');
    await activePeer(client, site, 'b');
    const record = recordChanges();
    const informer = client.peers({ onChange: record.onChange, retryDelayMs: fastRetry });
    defer(() => informer.close());
    await informer.ready;
    await site.stop();

    // While nobody watches, another mesh process on the same database admits c, removes a, and
    // hours later prunes those events: the informer's revision is older than the log.
    const clock = new TestClock(Date.now() + 2 * 3_600_000);
    const offline = await createMesh(
      testConfig({ dbUrl: site.dbUrl, sovereignKeys: [publicKeyHex(site.sovereignKey)], eventRetentionMs: 3_600_000 }),
      { clock, logger: silentLogger },
    );
    try {
      const api = createCaller(createContext(offline));
      const options = { network: offline.config.network };
      const node = newSigner(clock);
      const sovereignSigner = new Signer(site.sovereignKey, clock.now);
      await api.node.register(signedRegister(node, { nodeId: 'c', tailscaleHostname: 'c.ts.net' }, options));
      await api.sovereign.approve(
        signedNodeDecision(sovereignSigner, 'approve', { nodeId: 'c', nodePublicKey: node.publicKey }, options),
      );
      const a = await api.node.get({ nodeId: 'a' });
      await api.sovereign.removeNode(
        signedNodeDecision(sovereignSigner, 'remove', { nodeId: 'a', nodePublicKey: a.public_key }, options),
      );
      clock.advance(2 * 3_600_000);
      expect((await sweepOnce(offline)).eventsPruned).toBeGreaterThan(0);
    } finally {
      offline.close();
    }

    await site.start();
    await waitUntil(() => informer.lists === 2, 'the informer to list again after the reset');
    expect([...informer.peers.keys()].sort()).toEqual(['b', 'c']);
    expect(record.described()).toEqual(['added a', 'added b', 'removed a', 'added c']);
  });

  it('serves the last-known-good peer cache when mesh cannot be reached at start', async () => {
    const site = await startSite();
    const client = createMeshClient({ url: site.relay.url });
    await activePeer(client, site, 'a');
    await activePeer(client, site, 'b');
    const cachePath = join(site.dir, 'peers.json');
    const first = client.peers({ cachePath, retryDelayMs: fastRetry });
    await first.ready;
    await activePeer(client, site, 'c');
    await waitUntil(() => first.peers.has('c'), 'c to be added');
    await first.close();
    const saved = JSON.parse(await readFile(cachePath, 'utf8')) as { nodes: Array<{ id: string }> };
    expect(saved.nodes.map((node) => node.id).sort()).toEqual(['a', 'b', 'c']);

    const down = createMeshClient({ url: await refusingUrl() });
    const errors: Error[] = [];
    const record = recordChanges();
    const fallback = down.peers({
      cachePath,
      retryDelayMs: fastRetry,
      onChange: record.onChange,
      onError: (e) => errors.push(e),
    });
    defer(() => fallback.close());
    await fallback.ready;
    expect(fallback.source).toBe('cache');
    expect(fallback.lists).toBe(0);
    expect([...fallback.peers.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(record.described().sort()).toEqual(['added a', 'added b', 'added c']);
    expect(errors[0]?.message).toMatch(/no usable answer|ECONNREFUSED|fetch failed/);
  });

  it('rejects ready when mesh refuses the filter', async () => {
    const site = await startSite();
    const client = createMeshClient({ url: site.relay.url });
    const informer = client.peers({ service: 'not a service!', retryDelayMs: fastRetry });
    defer(() => informer.close());
    await expect(informer.ready).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
