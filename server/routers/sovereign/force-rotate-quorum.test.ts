import { describe, expect, it } from 'vitest';
import { signedForceRotateKey, signedNodeDecision, signedRegister, signedRotateKey } from '../../../client/signed-requests.js';
import type { Signer } from '../../../client/signer.js';
import type { DecisionList } from '../../../shared/decisions.js';
import type { MeshEvent } from '../../../shared/events.js';
import { newSigner, TestClock } from '../../testing/harness.js';
import { startTestServer, useCleanups } from '../../testing/servers.js';

const defer = useCleanups();
const NETWORK = 'tana';
const WINDOW_MS = 10 * 60_000;

interface Answer {
  status: number;
  body: Record<string, unknown> & { decision?: Record<string, unknown> };
}

/** A mesh over real HTTP with `sovereigns` sovereign keys and the given quorum, on a test clock. */
async function quorumMesh(quorum: number, sovereigns: number) {
  const clock = new TestClock();
  const keys = Array.from({ length: sovereigns }, () => newSigner(clock));
  const running = await startTestServer(defer, {
    clock,
    config: { quorum, quorumWindowMs: WINDOW_MS, sovereignKeys: keys.map((key) => key.publicKey) },
  });
  const send = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  const register = async (nodeId: string) => {
    const node = newSigner(clock);
    const answer = await send(
      'POST',
      '/register',
      signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: NETWORK }),
    );
    expect(answer.status).toBe(200);
    return node;
  };
  const forceRotate = (sovereign: Signer, nodeId: string, oldKey: string, newKey: string) =>
    send(
      'POST',
      `/force-rotate-key/${nodeId}`,
      signedForceRotateKey(sovereign, { nodeId, nodePublicKey: oldKey, newPublicKey: newKey }, { network: NETWORK }),
    );
  const approve = (sovereign: Signer, nodeId: string, nodeKey: string) =>
    send(
      'POST',
      `/approve/${nodeId}`,
      signedNodeDecision(sovereign, 'approve', { nodeId, nodePublicKey: nodeKey }, { network: NETWORK }),
    );
  const decisions = async () => (await send('GET', '/decisions')).body as unknown as DecisionList;
  const events = async (types: string) =>
    ((await send('GET', `/events?types=${types}&limit=1000`)).body as unknown as { events: MeshEvent[] }).events;
  const node = async (nodeId: string) => (await send('GET', `/nodes/${nodeId}`)).body;
  return { clock, keys, send, register, forceRotate, approve, decisions, events, node };
}

/** An active node: approved by `quorum` sovereigns. */
async function activeNode(m: Awaited<ReturnType<typeof quorumMesh>>, nodeId: string, quorum: number) {
  const node = await m.register(nodeId);
  for (const sovereign of m.keys.slice(0, quorum)) await m.approve(sovereign, nodeId, node.publicKey);
  expect((await m.node(nodeId)).status).toBe('active');
  return node;
}

describe('a forced key rotation under MESH_QUORUM=2, over HTTP', () => {
  it('waits (202) for the second sovereign signing the same new key, then takes effect', async () => {
    const m = await quorumMesh(2, 3);
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
    expect((await m.approve(first, 'validator-1', next.publicKey)).status).toBe(202);
    expect((await m.approve(second, 'validator-1', next.publicKey)).status).toBe(200);
    expect(await m.node('validator-1')).toMatchObject({ status: 'active', public_key: next.publicKey });
  });

  it('never adds up signatures for different new keys', async () => {
    const m = await quorumMesh(2, 3);
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
    const m = await quorumMesh(2, 3);
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
    const m = await quorumMesh(1, 2);
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
