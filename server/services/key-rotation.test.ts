import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedForceRotateKey, signedHeartbeat, signedNodeDecision, signedRotateKey } from '../../client/signed-requests.js';
import { sweepOnce } from '../sweeper.js';
import { activeNode, createTestMesh, newSigner, type TestMesh } from '../testing/harness.js';
import { domainErrorOf } from '../trpc-errors.js';

// What only the server's own parts show: races with the heartbeat batcher, and the sweeper.
let t: TestMesh;
beforeEach(async () => {
  t = await createTestMesh();
});
afterEach(() => t.mesh.close());

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (error: unknown) => domainErrorOf(error)?.code,
  );

describe('key rotation inside mesh', () => {
  it('refuses a heartbeat verified against the old key but stored after the rotation', async () => {
    const old = await activeNode(t, 'n1');
    const next = newSigner(t.clock);
    // Checked against the old key, as a heartbeat racing the rotation would be, then stored after it.
    const late = signedHeartbeat(old, { nodeId: 'n1' }, { network: t.network });
    await t.api.node.rotateKey(signedRotateKey(old, next, 'n1', { network: t.network }));
    expect(await codeOf(t.mesh.heartbeats.submit({ request: late, nodeKey: old.publicKey }))).toBe('NODE_CHANGED');
    const beat = signedHeartbeat(next, { nodeId: 'n1' }, { network: t.network });
    expect(await codeOf(t.mesh.heartbeats.submit({ request: beat, nodeKey: next.publicKey }))).toBe('ok');
  });

  it('gives a forced rotation its own pending time: the sweeper does not expire it for the registration’s age', async () => {
    const lost = await activeNode(t, 'n2');
    t.clock.advance(t.mesh.config.pendingTtlMs * 2);
    const next = newSigner(t.clock);
    await t.api.sovereign.forceRotateKey(
      signedForceRotateKey(
        t.sovereign,
        { nodeId: 'n2', nodePublicKey: lost.publicKey, newPublicKey: next.publicKey },
        { network: t.network },
      ),
    );
    await sweepOnce(t.mesh);
    expect(t.mesh.registry.getNode('n2')).toMatchObject({ status: 'pending', public_key: next.publicKey });
    t.clock.advance(t.mesh.config.pendingTtlMs + 1);
    await sweepOnce(t.mesh);
    expect(t.mesh.registry.getNode('n2')).toBeUndefined();
  });

  it('refuses to rotate a denied node, by itself or by a sovereign', async () => {
    const node = await activeNode(t, 'n3');
    await t.api.sovereign.deny(
      signedNodeDecision(t.sovereign, 'deny', { nodeId: 'n3', nodePublicKey: node.publicKey }, { network: t.network }),
    );
    const next = newSigner(t.clock);
    expect(await codeOf(t.api.node.rotateKey(signedRotateKey(node, next, 'n3', { network: t.network })))).toBe('NODE_DENIED');
    const forced = signedForceRotateKey(
      t.sovereign,
      { nodeId: 'n3', nodePublicKey: node.publicKey, newPublicKey: next.publicKey },
      { network: t.network },
    );
    expect(await codeOf(t.api.sovereign.forceRotateKey(forced))).toBe('NODE_DENIED');
    expect(t.mesh.registry.getNode('n3')?.public_key).toBe(node.publicKey);
  });
});
