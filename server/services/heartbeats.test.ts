import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import { readEventsAfter } from '../events/log.js';
import { sweepOnce } from '../sweeper.js';
import { activeNode, createTestMesh, type TestMesh } from '../testing/harness.js';
import { domainErrorOf } from '../trpc-errors.js';

let t: TestMesh;
beforeEach(async () => {
  t = await createTestMesh();
});
afterEach(() => t.mesh.close());

/** Active, at the address its heartbeats report unless they say otherwise. */
const joined = (nodeId: string) => activeNode(t, nodeId, { tailscaleIP: '100.64.0.1' });

const beat = (node: Signer, nodeId: string, extra: { tailscaleIP?: string; timestamp?: number } = {}) =>
  t.api.health.heartbeat(
    signedHeartbeat(node, { nodeId, tailscaleIP: extra.tailscaleIP }, { network: t.network, timestamp: extra.timestamp }),
  );

const settle = (calls: Array<Promise<unknown>>) =>
  Promise.allSettled(calls).then((results) =>
    results.map((r) => (r.status === 'fulfilled' ? 'ok' : domainErrorOf(r.reason)?.code)),
  );

describe('heartbeats recorded in batches', () => {
  it('records many concurrent heartbeats, each answered, each with its history row', async () => {
    const nodes = await Promise.all(Array.from({ length: 40 }, (_, i) => joined(`n${i}`)));
    const results = await Promise.all(nodes.map((node, i) => beat(node, `n${i}`)));
    expect(results.every((r) => r.status === 'active' && r.receivedAt === t.clock.now())).toBe(true);
    const rows = await t.mesh.database.client.execute('SELECT count(*) AS n FROM heartbeats');
    expect(rows.rows[0]?.n).toBe(40);
    expect((await t.api.node.get({ nodeId: 'n7' })).last_heartbeat).toBe(t.clock.now());
  });

  it('judges two heartbeats of one key in one batch in order: a later timestamp passes, a repeat does not', async () => {
    const node = await joined('n1');
    const first = signedHeartbeat(node, { nodeId: 'n1' }, { network: t.network });
    const later = signedHeartbeat(node, { nodeId: 'n1' }, { network: t.network });
    expect(await settle([t.api.health.heartbeat(first), t.api.health.heartbeat(later)])).toEqual(['ok', 'ok']);
    const again = signedHeartbeat(node, { nodeId: 'n1' }, { network: t.network });
    expect(await settle([t.api.health.heartbeat(again), t.api.health.heartbeat(again)])).toEqual(['ok', 'REPLAYED_TIMESTAMP']);
  });

  it('refuses one heartbeat of a batch without touching the others, and leaves its timestamp unused', async () => {
    const good = await joined('good');
    const denied = await joined('denied');
    await t.api.sovereign.deny(
      signedNodeDecision(t.sovereign, 'deny', { nodeId: 'denied', nodePublicKey: denied.publicKey }, { network: t.network }),
    );
    const refused = signedHeartbeat(denied, { nodeId: 'denied' }, { network: t.network });
    expect(await settle([beat(good, 'good'), t.api.health.heartbeat(refused)])).toEqual(['ok', 'NODE_DENIED']);
    const rows = await t.mesh.database.client.execute("SELECT node_id FROM heartbeats WHERE node_id = 'denied'");
    expect(rows.rows).toEqual([]);
    // Its timestamp was not consumed: once the node is approved again, the very same request is accepted.
    await t.api.sovereign.approve(
      signedNodeDecision(t.sovereign, 'approve', { nodeId: 'denied', nodePublicKey: denied.publicKey }, { network: t.network }),
    );
    expect(await t.api.health.heartbeat(refused)).toMatchObject({ status: 'active' });
  });

  it('brings offline nodes back and records moves as events, while plain beats are not events', async () => {
    const back = await joined('back');
    const moving = await joined('moving');
    const quiet = await joined('quiet');
    t.clock.advance(t.mesh.config.offlineAfterMs);
    await Promise.all([beat(moving, 'moving'), beat(quiet, 'quiet')]);
    t.clock.advance(1);
    await sweepOnce(t.mesh);
    expect((await t.api.node.get({ nodeId: 'back' })).status).toBe('offline');
    const before = t.mesh.registry.revision;
    const results = await Promise.all([
      beat(back, 'back'),
      beat(moving, 'moving', { tailscaleIP: '100.64.0.99' }),
      beat(quiet, 'quiet'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['active', 'active', 'active']);
    const events = await t.mesh.database.read((db) => readEventsAfter(db, before, 10));
    expect(events.map((e) => [e.type, e.nodeId])).toEqual([
      ['node.online', 'back'],
      ['node.updated', 'moving'],
    ]);
    expect((await t.api.node.get({ nodeId: 'moving' })).tailscale_ip).toBe('100.64.0.99');
  });
});
