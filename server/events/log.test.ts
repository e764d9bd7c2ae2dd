import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister, signedSovereignAdd } from '../../client/signed-requests.js';
import { sweepOnce } from '../sweeper.js';
import { createTestMesh, newSigner, type TestMesh } from '../testing/harness.js';
import { currentRevision, readEventsAfter } from './log.js';

let t: TestMesh;
beforeEach(async () => {
  // The clock moves past the events' retention here, and watchers see over 1,000 registrations:
  // pending nodes neither expire nor fill up (sweeper.test.ts and _app.test.ts test those limits).
  t = await createTestMesh({ config: { pendingTtlMs: Number.MAX_SAFE_INTEGER, maxPending: 1_000_000 } });
});
afterEach(() => t.mesh.close());

const allEvents = () => t.mesh.database.read((db) => readEventsAfter(db, 0, 1000));

describe('the events log', () => {
  it('records every state change once, with its actor and the node after the change', async () => {
    const options = { network: t.network };
    const node = newSigner(t.clock);
    await t.api.node.register(signedRegister(node, { nodeId: 'n1', tailscaleHostname: 'n1.ts.net' }, options));
    // A repeat registration changes nothing: no event.
    await t.api.node.register(signedRegister(node, { nodeId: 'n1', tailscaleHostname: 'n1.ts.net' }, options));
    await t.api.node.register(signedRegister(node, { nodeId: 'n1', tailscaleHostname: 'moved.ts.net' }, options));
    const decision = (action: 'approve' | 'deny' | 'remove') =>
      signedNodeDecision(t.sovereign, action, { nodeId: 'n1', nodePublicKey: node.publicKey }, options);
    await t.api.sovereign.approve(decision('approve'));
    await t.api.sovereign.approve(decision('approve')); // already active: no event
    await t.api.health.heartbeat(signedHeartbeat(node, { nodeId: 'n1' }, options)); // proof of life: no event
    await t.api.health.heartbeat(signedHeartbeat(node, { nodeId: 'n1', tailscaleIP: '100.64.0.9' }, options));
    t.clock.advance(t.mesh.config.offlineAfterMs * 2);
    await sweepOnce(t.mesh);
    await t.api.health.heartbeat(signedHeartbeat(node, { nodeId: 'n1', tailscaleIP: '100.64.0.9' }, options));
    await t.api.sovereign.deny(decision('deny'));
    await t.api.sovereign.remove(decision('remove'));
    const second = newSigner(t.clock);
    await t.api.sovereign.add(signedSovereignAdd(t.sovereign, { publicKey: second.publicKey }, options));

    const events = await allEvents();
    expect(
      events.map((e) => [
        e.type,
        e.actor === t.sovereign.publicKey ? 'sovereign' : e.actor === node.publicKey ? 'node' : e.actor,
      ]),
    ).toEqual([
      ['sovereign.added', 'system'],
      ['node.registered', 'node'],
      ['node.updated', 'node'],
      ['node.approved', 'sovereign'],
      ['node.updated', 'node'],
      ['node.offline', 'system'],
      ['node.online', 'node'],
      ['node.denied', 'sovereign'],
      ['node.removed', 'sovereign'],
      ['sovereign.added', 'sovereign'],
    ]);
    expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events[2]?.node).toMatchObject({ id: 'n1', tailscale_hostname: 'moved.ts.net', status: 'pending' });
    expect(events[4]?.node).toMatchObject({ tailscale_ip: '100.64.0.9', status: 'active' });
    expect(events[8]).toMatchObject({ nodeId: 'n1', publicKey: node.publicKey, node: null });
    expect(events[9]).toMatchObject({ nodeId: null, publicKey: second.publicKey, sovereign: { public_key: second.publicKey } });
    expect(t.mesh.registry.revision).toBe(10);
  });

  it('never reuses a revision, even after the newest events are pruned', async () => {
    const options = { network: t.network };
    await t.api.node.register(signedRegister(newSigner(t.clock), { nodeId: 'a', tailscaleHostname: 'a.ts.net' }, options));
    t.clock.advance(t.mesh.config.eventRetentionMs + 1);
    expect((await sweepOnce(t.mesh)).eventsPruned).toBe(2);
    expect(await allEvents()).toEqual([]);
    expect(await t.mesh.database.read((db) => currentRevision(db))).toBe(2);
    await t.api.node.register(signedRegister(newSigner(t.clock), { nodeId: 'b', tailscaleHostname: 'b.ts.net' }, options));
    expect((await allEvents()).map((e) => e.revision)).toEqual([3]);
  });
});
