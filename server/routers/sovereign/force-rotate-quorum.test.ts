import { describe, expect, it } from 'vitest';
import { signedRotateKey } from '../../../client/signed-requests.js';
import type { Signer } from '../../../client/signer.js';
import { newSigner } from '../../testing/harness.js';
import {
  quorumMesh,
  QUORUM_NETWORK as NETWORK,
  QUORUM_WINDOW_MS as WINDOW_MS,
  type QuorumMesh,
} from '../../testing/quorum-mesh.js';
import { useCleanups } from '../../testing/servers.js';

const defer = useCleanups();

/** An active node: approved by `quorum` sovereigns. */
async function activeNode(m: QuorumMesh, nodeId: string, quorum: number) {
  const node = await m.register(nodeId);
  for (const sovereign of m.keys.slice(0, quorum)) await m.decide(sovereign, 'approve', nodeId, node);
  expect((await m.node(nodeId)).status).toBe('active');
  return node;
}

describe('a forced key rotation under MESH_QUORUM=2, over HTTP', () => {
  it('waits (202) for the second sovereign signing the same new key, then takes effect', async () => {
    const m = await quorumMesh(defer, 2, 3);
    const lost = await activeNode(m, 'validator-1', 2);
    const next = newSigner(m.clock);
    const [first, second] = m.keys as [Signer, Signer, Signer];

    const pending = await m.forceRotate(first, 'validator-1', lost.publicKey, next.publicKey);
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({
      success: true,
      nodeId: 'validator-1',
      status: 'active',
      publicKey: lost.publicKey,
      decision: {
        kind: 'force-rotate',
        target: 'validator-1',
        targetKey: lost.publicKey,
        value: next.publicKey,
        signatures: 1,
        needed: 2,
        effective: false,
        duplicate: false,
      },
    });
    expect(pending.body.message).toContain('1 of 2 forced key rotations');
    expect(pending.body.message).toContain(next.publicKey);
    // Nothing changed yet: the node keeps its key and its status.
    expect(await m.node('validator-1')).toMatchObject({ status: 'active', public_key: lost.publicKey });
    const waiting = await m.decisions();
    expect(waiting.decisions).toEqual([
      expect.objectContaining({
        kind: 'force-rotate',
        target: 'validator-1',
        targetKey: lost.publicKey,
        value: next.publicKey,
        signatures: 1,
      }),
    ]);

    // The same sovereign signing again changes nothing.
    const again = await m.forceRotate(first, 'validator-1', lost.publicKey, next.publicKey);
    expect(again.status).toBe(200);
    expect(again.body.decision).toMatchObject({ signatures: 1, effective: false, duplicate: true });
    expect(await m.node('validator-1')).toMatchObject({ status: 'active', public_key: lost.publicKey });

    const done = await m.forceRotate(second, 'validator-1', lost.publicKey, next.publicKey);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      nodeId: 'validator-1',
      status: 'pending',
      publicKey: next.publicKey,
      decision: { kind: 'force-rotate', value: next.publicKey, signatures: 2, effective: true, expiresAt: null },
    });
    expect(await m.node('validator-1')).toMatchObject({ status: 'pending', public_key: next.publicKey });
    expect((await m.decisions()).decisions).toEqual([]);
    const rotated = await m.events('node.key_rotated');
    expect(rotated.map((event) => [event.actor, event.keyRotation])).toEqual([
      [second.publicKey, { oldPublicKey: lost.publicKey, newPublicKey: next.publicKey, forced: true }],
    ]);
    // The node is approved again under its new key, by the quorum.
    expect((await m.decide(first, 'approve', 'validator-1', next)).status).toBe(202);
    expect((await m.decide(second, 'approve', 'validator-1', next)).status).toBe(200);
    expect(await m.node('validator-1')).toMatchObject({ status: 'active', public_key: next.publicKey });
  });

  it('never adds up signatures for different new keys', async () => {
    const m = await quorumMesh(defer, 2, 3);
    const lost = await activeNode(m, 'validator-1', 2);
    const [a, b] = [newSigner(m.clock), newSigner(m.clock)];
    const [first, second, third] = m.keys as [Signer, Signer, Signer];

    expect((await m.forceRotate(first, 'validator-1', lost.publicKey, a.publicKey)).status).toBe(202);
    const other = await m.forceRotate(second, 'validator-1', lost.publicKey, b.publicKey);
    expect(other.status).toBe(202);
    expect(other.body.decision).toMatchObject({ value: b.publicKey, signatures: 1, effective: false });
    expect(await m.node('validator-1')).toMatchObject({ status: 'active', public_key: lost.publicKey });
    const waiting = await m.decisions();
    expect(waiting.decisions.map((decision) => [decision.value, decision.signatures]).sort()).toEqual(
      [
        [a.publicKey, 1],
        [b.publicKey, 1],
      ].sort(),
    );

    // A sovereign backs one new key: signing another withdraws the first, which then never counts.
    const changed = await m.forceRotate(first, 'validator-1', lost.publicKey, b.publicKey);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ status: 'pending', publicKey: b.publicKey, decision: { signatures: 2 } });
    const expired = await m.events('decision.expired');
    expect(expired.map((event) => [event.decision?.value, event.decision?.expiredBecause])).toEqual([
      [a.publicKey, 'superseded'],
    ]);
    expect(await m.node('validator-1')).toMatchObject({ status: 'pending', public_key: b.publicKey });

    // Signed over the old key, a rotation onto `a` no longer verifies: it decides nothing.
    const late = await m.forceRotate(third, 'validator-1', lost.publicKey, a.publicKey);
    expect(late.status).toBe(401);
    expect(await m.node('validator-1')).toMatchObject({ status: 'pending', public_key: b.publicKey });
    expect((await m.decisions()).decisions).toEqual([]);
  });

  it('a rotation by the node ends the decisions waiting about its old key', async () => {
    const m = await quorumMesh(defer, 2, 3);
    const old = await activeNode(m, 'validator-1', 2);
    const stolen = newSigner(m.clock);
    const next = newSigner(m.clock);
    const [first, second] = m.keys as [Signer, Signer, Signer];

    expect((await m.forceRotate(first, 'validator-1', old.publicKey, stolen.publicKey)).status).toBe(202);
    expect((await m.decisions()).decisions).toHaveLength(1);
    const rotated = await m.send('POST', '/rotate-key', signedRotateKey(old, next, 'validator-1', { network: NETWORK }));
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      success: true,
      nodeId: 'validator-1',
      status: 'active',
      publicKey: next.publicKey,
      message: expect.any(String),
    });
    const expired = await m.events('decision.expired');
    expect(expired.map((event) => [event.decision?.kind, event.decision?.value, event.decision?.expiredBecause])).toEqual([
      ['force-rotate', stolen.publicKey, 'key-changed'],
    ]);
    expect((await m.decisions()).decisions).toEqual([]);
    // The second signature is over the old key: mesh refuses it rather than completing the first.
    const late = await m.forceRotate(second, 'validator-1', old.publicKey, stolen.publicKey);
    expect(late.status).toBe(401);
    expect(await m.node('validator-1')).toMatchObject({ status: 'active', public_key: next.publicKey });
  });
});

describe('a forced key rotation under MESH_QUORUM=1', () => {
  it('takes effect at once with the answer it always had, and records no decision', async () => {
    const m = await quorumMesh(defer, 1, 2);
    const lost = await activeNode(m, 'validator-1', 1);
    const next = newSigner(m.clock);
    const answer = await m.forceRotate(m.keys[0] as Signer, 'validator-1', lost.publicKey, next.publicKey);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      nodeId: 'validator-1',
      status: 'pending',
      publicKey: next.publicKey,
      message: `Node validator-1 now has key ${next.publicKey} and is pending: approve it again once its holder is known.`,
    });
    expect(await m.node('validator-1')).toMatchObject({ status: 'pending', public_key: next.publicKey });
    expect(await m.decisions()).toEqual({ quorum: 1, windowMs: WINDOW_MS, decisions: [] });
    expect(await m.events('decision.signed,decision.expired')).toEqual([]);
  });
});
