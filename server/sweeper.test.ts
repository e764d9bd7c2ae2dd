import { afterEach, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../client/signed-requests.js';
import { lastHeartbeatIdBefore, pruneHeartbeatBatch } from './services/heartbeat-pruning.js';
import { pruneHeartbeatsInBatches, sweepOnce } from './sweeper.js';
import { createTestMesh, newSigner, type TestMesh } from './testing/harness.js';

const OFFLINE_AFTER = 300_000;
let t: TestMesh | undefined;
afterEach(() => t?.mesh.close());

async function activeNode(mesh: TestMesh, nodeId: string) {
  const node = newSigner(mesh.clock);
  const options = { network: mesh.network };
  await mesh.api.node.register(signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, options));
  await mesh.api.sovereign.approve(
    signedNodeDecision(mesh.sovereign, 'approve', { nodeId, nodePublicKey: node.publicKey }, options),
  );
  return {
    heartbeat: () => mesh.api.health.heartbeat(signedHeartbeat(node, { nodeId }, options)),
    status: async () => (await mesh.api.node.get({ nodeId })).status,
  };
}

describe('health sweeper', () => {
  it('marks an active node offline after the threshold of silence, and a heartbeat brings it back', async () => {
    t = await createTestMesh();
    const node = await activeNode(t, 'n1');
    t.clock.advance(OFFLINE_AFTER); // the start-up grace is over
    await node.heartbeat();

    t.clock.advance(OFFLINE_AFTER - 1);
    expect((await sweepOnce(t.mesh)).wentOffline).toEqual([]);
    expect(await node.status()).toBe('active');

    t.clock.advance(2);
    expect((await sweepOnce(t.mesh)).wentOffline).toEqual(['n1']);
    expect(await node.status()).toBe('offline');
    expect((await t.api.node.list({ status: 'active' })).nodes).toEqual([]);
    expect((await t.api.node.list({ status: 'offline' })).nodes.map((n) => n.id)).toEqual(['n1']);

    expect(await node.heartbeat()).toMatchObject({ status: 'active' });
    expect((await t.api.node.list({ status: 'active' })).nodes.map((n) => n.id)).toEqual(['n1']);
  });

  it('marks nobody offline during the first threshold after start-up', async () => {
    t = await createTestMesh();
    await activeNode(t, 'n1');
    t.clock.advance(OFFLINE_AFTER - 1);
    // The node has been silent since its approval, but this mesh has not yet been up long enough to know.
    expect((await sweepOnce(t.mesh)).wentOffline).toEqual([]);
  });

  it('leaves pending nodes alone and gives a newly approved node a full threshold', async () => {
    t = await createTestMesh();
    t.clock.advance(OFFLINE_AFTER * 2);
    const node = newSigner(t.clock);
    const options = { network: t.network };
    await t.api.node.register(signedRegister(node, { nodeId: 'p1', tailscaleHostname: 'p1.ts.net' }, options));
    t.clock.advance(OFFLINE_AFTER * 2);
    await sweepOnce(t.mesh);
    expect((await t.api.node.get({ nodeId: 'p1' })).status).toBe('pending');

    await t.api.sovereign.approve(
      signedNodeDecision(t.sovereign, 'approve', { nodeId: 'p1', nodePublicKey: node.publicKey }, options),
    );
    t.clock.advance(OFFLINE_AFTER - 1);
    expect((await sweepOnce(t.mesh)).wentOffline).toEqual([]);
    t.clock.advance(2);
    expect((await sweepOnce(t.mesh)).wentOffline).toEqual(['p1']);
  });

  it('deletes heartbeat rows older than the retention', async () => {
    t = await createTestMesh({ config: { heartbeatRetentionMs: 60_000 } });
    const node = await activeNode(t, 'n1');
    await node.heartbeat();
    t.clock.advance(30_000);
    await node.heartbeat();
    t.clock.advance(30_001);
    expect((await sweepOnce(t.mesh)).heartbeatsDeleted).toBe(1);
    const rows = await t.mesh.database.client.execute('SELECT count(*) AS n FROM heartbeats');
    expect(rows.rows[0]?.n).toBe(1);
  });

  it('deletes a large backlog of old heartbeat rows a batch per transaction, and only rows past the retention', async () => {
    const test = await createTestMesh({ config: { heartbeatRetentionMs: 60_000 } });
    t = test;
    const node = await activeNode(test, 'n1');
    for (let beat = 0; beat < 7; beat++) await node.heartbeat();
    test.clock.advance(60_001);
    await node.heartbeat();
    const edge = await test.mesh.database.write((tx) => lastHeartbeatIdBefore(tx, test.clock.now() - 60_000));
    expect(edge).not.toBeNull();
    const first = await t.mesh.database.write((tx) => pruneHeartbeatBatch(tx, edge as number, 3));
    expect(first).toEqual({ deleted: 3, more: true });
    expect(await pruneHeartbeatsInBatches(t.mesh, edge as number, 3)).toBe(4);
    const rows = await t.mesh.database.client.execute('SELECT count(*) AS n FROM heartbeats');
    expect(rows.rows[0]?.n).toBe(1);
  });

  it('does not mark offline a node whose heartbeat reached the database through another mesh process', async () => {
    t = await createTestMesh();
    await activeNode(t, 'n1');
    t.clock.advance(OFFLINE_AFTER * 2);
    // As another process sharing the database would record it: this process's snapshot never saw it.
    await t.mesh.database.client.execute({
      sql: "UPDATE nodes SET last_heartbeat = ? WHERE id = 'n1'",
      args: [t.clock.now() - 1000],
    });
    expect(t.mesh.registry.silentSince(t.clock.now() - OFFLINE_AFTER)).toEqual(['n1']);
    expect((await sweepOnce(t.mesh)).wentOffline).toEqual([]);
    expect((await t.api.node.get({ nodeId: 'n1' })).status).toBe('active');
  });
});

describe('pending registrations nobody decided on', () => {
  const TTL = 3_600_000;

  it('expire after MESH_PENDING_TTL_MS, with a node.expired event, and may register again', async () => {
    t = await createTestMesh({ config: { pendingTtlMs: TTL } });
    const options = { network: t.network };
    const waiting = newSigner(t.clock);
    await t.api.node.register(signedRegister(waiting, { nodeId: 'p1', tailscaleHostname: 'p1.ts.net' }, options));
    await activeNode(t, 'a1');

    t.clock.advance(TTL - 1);
    expect((await sweepOnce(t.mesh)).expired).toEqual([]);
    expect((await t.api.node.get({ nodeId: 'p1' })).status).toBe('pending');

    t.clock.advance(2);
    expect((await sweepOnce(t.mesh)).expired).toEqual(['p1']);
    await expect(t.api.node.get({ nodeId: 'p1' })).rejects.toMatchObject({ cause: { code: 'NODE_NOT_FOUND' } });
    // Only the undecided go: the approved node of the same age stays (offline by now, as it never heartbeat).
    expect((await t.api.node.list({})).nodes.map((node) => node.id)).toEqual(['a1']);
    const { events } = await t.api.events.list({ types: ['node.expired'] });
    expect(events).toEqual([
      expect.objectContaining({ type: 'node.expired', actor: 'system', nodeId: 'p1', publicKey: waiting.publicKey, node: null }),
    ]);

    // Its agent registers again when its heartbeat meets NODE_NOT_FOUND: the node starts over.
    const again = await t.api.node.register(signedRegister(waiting, { nodeId: 'p1', tailscaleHostname: 'p1.ts.net' }, options));
    expect(again).toMatchObject({ status: 'pending', message: 'Registration successful. Awaiting sovereign approval.' });
  });
});
