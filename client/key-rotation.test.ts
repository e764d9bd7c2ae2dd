import { type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshEvent } from '../shared/events.js';
import { rotateKeyMessage } from '../shared/messages.js';
import { publicKeyHex, signMessage, newEd25519Key } from '../shared/sign.js';
import { Arrivals } from '../shared/testing/wait.js';
import { createMeshClient, type MeshClient } from './client.js';
import { MeshClientError } from './errors.js';
import { signedForceRotateKey, signedRotateKey } from './signed-requests.js';
import { Signer } from './signer.js';
import { startLiveMesh, validatorRegistration, type LiveMesh } from './testing/mesh.js';

// Key rotation end to end: real keys, a real mesh over HTTP, through the SDK (tRPC) and the REST paths.
let live: LiveMesh;
let client: MeshClient;
let network: string;
beforeAll(async () => {
  live = await startLiveMesh();
  client = createMeshClient({ url: live.url });
  network = await client.network();
});
afterAll(() => live.close());

const newKey = (): KeyObject => newEd25519Key();
const registration = (nodeId: string) => validatorRegistration(nodeId, { region: 'eu-west', zone: 'eu-west-1a' });

async function activeNode(nodeId: string, key: KeyObject): Promise<void> {
  await client.register(key, registration(nodeId));
  await client.approve(live.sovereignKey, nodeId);
  await client.heartbeat(key, nodeId);
}

/**
 * A signer of its own for a key the client signed with too: its timestamps start a second after
 * the client's, which mesh accepted, so that neither is taken for a replay of the other.
 */
function signerAfterClient(key: KeyObject): Signer {
  const signer = new Signer(key);
  signer.advanceTo(Date.now() + 1_000);
  return signer;
}

async function refusal(call: Promise<unknown>): Promise<{ code: string; httpStatus: number | undefined }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MeshClientError);
  return { code: (error as MeshClientError).code, httpStatus: (error as MeshClientError).httpStatus };
}

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${live.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Watches node.key_rotated events of one node from now on, in the background. */
function watchRotations(nodeId: string, sinceRevision: number) {
  const seen = new Arrivals<MeshEvent>();
  const controller = new AbortController();
  const done = (async () => {
    for await (const message of client.watch({ sinceRevision, nodeId, types: ['node.key_rotated'], signal: controller.signal }))
      if (message.kind === 'event') seen.push(message.event);
  })().catch(() => undefined);
  return {
    next: async () => (await seen.atLeast(1))[0] as MeshEvent,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

describe('a node rotating its own key', () => {
  it('keeps status, approval, services, location and history; refuses the old key; shows the new key at once', async () => {
    const [oldKey, key] = [newKey(), newKey()];
    await activeNode('rotating-1', oldKey);
    const before = await client.trpc.node.get.query({ nodeId: 'rotating-1' });
    const { revision } = await client.trpc.node.list.query({});
    const stream = watchRotations('rotating-1', revision);
    try {
      const result = await client.rotateKey(oldKey, key, 'rotating-1');
      expect(result).toMatchObject({ success: true, nodeId: 'rotating-1', status: 'active', publicKey: publicKeyHex(key) });

      // Discovery answers with the new key as soon as the rotation is answered.
      const after = await client.trpc.node.get.query({ nodeId: 'rotating-1' });
      expect(after).toMatchObject({
        public_key: publicKeyHex(key),
        status: 'active',
        approved_at: before.approved_at,
        approved_by: before.approved_by,
        registered_at: before.registered_at,
        services: before.services,
        region: 'eu-west',
        zone: 'eu-west-1a',
      });
      const { nodes } = await client.trpc.node.list.query({ status: 'active' });
      expect(nodes.find((node) => node.id === 'rotating-1')?.public_key).toBe(publicKeyHex(key));

      // A connected stream sees the rotation, with both keys.
      const event = await stream.next();
      expect(event).toMatchObject({
        type: 'node.key_rotated',
        actor: publicKeyHex(oldKey),
        publicKey: publicKeyHex(key),
        node: { public_key: publicKeyHex(key), status: 'active' },
        keyRotation: { oldPublicKey: publicKeyHex(oldKey), newPublicKey: publicKeyHex(key), forced: false },
      });
      // So does the audit log.
      const page = await client.trpc.events.list.query({ nodeId: 'rotating-1', types: ['node.key_rotated'] });
      expect(page.events.map((e) => e.keyRotation)).toEqual([event.keyRotation]);
    } finally {
      await stream.stop();
    }

    // The old key is refused: its heartbeats, and a further rotation.
    expect(await refusal(client.heartbeat(oldKey, 'rotating-1'))).toEqual({ code: 'BAD_SIGNATURE', httpStatus: 401 });
    expect(await refusal(client.rotateKey(oldKey, newKey(), 'rotating-1'))).toEqual({ code: 'BAD_SIGNATURE', httpStatus: 401 });
    // The new key heartbeats at once (its timestamps start after the rotation's), and the history goes on.
    expect(await client.heartbeat(key, 'rotating-1')).toMatchObject({ status: 'active' });
    const history = await client.trpc.node.heartbeats.query({ nodeId: 'rotating-1' });
    expect(history.heartbeats).toHaveLength(2);
    // A registration under the new key (an agent restarted with it) updates the node, as before.
    expect(await client.register(key, registration('rotating-1'))).toMatchObject({ status: 'active' });
    expect(await client.register(oldKey, registration('rotating-1')).catch((e: MeshClientError) => e.code)).toBe('NODE_ID_TAKEN');
  });

  it('works over REST, and a replayed rotation is refused under either key', async () => {
    const [first, second] = [newKey(), newKey()];
    await activeNode('rotating-2', first);
    const forward = signedRotateKey(signerAfterClient(first), new Signer(second), 'rotating-2', { network });
    const listedKey = async () => {
      const { nodes } = (await (await fetch(`${live.url}/nodes?status=active`)).json()) as {
        nodes: Array<{ id: string; public_key: string }>;
      };
      return nodes.find((node) => node.id === 'rotating-2')?.public_key;
    };
    // Asked before and after: the list kept by the registry's version is not served stale.
    expect(await listedKey()).toBe(publicKeyHex(first));
    const rotated = await post('/rotate-key', forward);
    expect(rotated).toMatchObject({ status: 200, body: { status: 'active', publicKey: publicKeyHex(second) } });
    expect(await listedKey()).toBe(publicKeyHex(second));
    // Replayed at once: the node's key is no longer the one that signed it.
    expect(await post('/rotate-key', forward)).toMatchObject({ status: 401, body: { error: { code: 'BAD_SIGNATURE' } } });

    // Back to the first key, then the first rotation again: its signatures match the node once
    // more, but both keys have signed later timestamps since.
    const back = signedRotateKey(new Signer(second), new Signer(first), 'rotating-2', {
      network,
      timestamp: forward.timestamp + 1,
    });
    expect(await post('/rotate-key', back)).toMatchObject({ status: 200, body: { publicKey: publicKeyHex(first) } });
    expect(await post('/rotate-key', forward)).toMatchObject({ status: 401, body: { error: { code: 'REPLAYED_TIMESTAMP' } } });
    expect((await client.trpc.node.get.query({ nodeId: 'rotating-2' })).public_key).toBe(publicKeyHex(first));
  });

  it('refuses a missing or wrong proof of possession (401), a key in use (409) and the same key (400)', async () => {
    const [key, next, other] = [newKey(), newKey(), newKey()];
    await activeNode('rotating-3', key);
    await activeNode('rotating-3-other', other);
    const signer = signerAfterClient(key);
    const proper = () => signedRotateKey(signer, new Signer(next), 'rotating-3', { network });

    const { newKeySignature: _, ...unproven } = proper();
    expect(await post('/rotate-key', unproven)).toMatchObject({ status: 401, body: { error: { code: 'MISSING_SIGNATURE' } } });
    // The new key's signature made by another key, and one over another message.
    const forged = proper();
    const byOther = signMessage(other, rotateKeyMessage(network, { ...forged, oldPublicKey: signer.publicKey }));
    expect(await post('/rotate-key', { ...forged, newKeySignature: byOther })).toMatchObject({
      status: 401,
      body: { error: { code: 'BAD_SIGNATURE' } },
    });
    const elsewhere = proper();
    const overOther = signMessage(
      next,
      rotateKeyMessage(network, { ...elsewhere, nodeId: 'rotating-3-other', oldPublicKey: signer.publicKey }),
    );
    expect(await post('/rotate-key', { ...elsewhere, newKeySignature: overOther })).toMatchObject({ status: 401 });
    // The old key's signature missing: nobody may move a node to a key of their own.
    const { signature: __, ...unsigned } = proper();
    expect(await post('/rotate-key', unsigned)).toMatchObject({ status: 401, body: { error: { code: 'MISSING_SIGNATURE' } } });

    const onto = signedRotateKey(signer, signerAfterClient(other), 'rotating-3', { network });
    expect(await post('/rotate-key', onto)).toMatchObject({ status: 409, body: { error: { code: 'PUBLIC_KEY_TAKEN' } } });
    expect(await refusal(client.rotateKey(key, key, 'rotating-3'))).toEqual({ code: 'INVALID_INPUT', httpStatus: 400 });

    // None of it changed the node: its key still heartbeats, and the proper rotation still goes through.
    expect((await client.trpc.node.get.query({ nodeId: 'rotating-3' })).public_key).toBe(publicKeyHex(key));
    expect(await client.heartbeat(key, 'rotating-3')).toMatchObject({ status: 'active' });
    expect(await client.rotateKey(key, next, 'rotating-3')).toMatchObject({ publicKey: publicKeyHex(next) });
  });
});

describe('a sovereign forcing a rotation of a lost key', () => {
  it('puts the node back to pending under the new key; approved again, the new key brings it back', async () => {
    const [lost, key] = [newKey(), newKey()];
    await activeNode('forced-1', lost);
    const result = await client.forceRotateKey(live.sovereignKey, 'forced-1', publicKeyHex(key));
    expect(result).toMatchObject({ status: 'pending', publicKey: publicKeyHex(key) });
    expect(await client.trpc.node.get.query({ nodeId: 'forced-1' })).toMatchObject({
      public_key: publicKeyHex(key),
      status: 'pending',
      approved_at: null,
      approved_by: null,
      services: [{ type: 'ledger', port: 8080 }],
    });
    const page = await client.trpc.events.list.query({ nodeId: 'forced-1', types: ['node.key_rotated'] });
    expect(page.events).toMatchObject([
      {
        actor: publicKeyHex(live.sovereignKey),
        keyRotation: { oldPublicKey: publicKeyHex(lost), newPublicKey: publicKeyHex(key), forced: true },
      },
    ]);

    expect(await refusal(client.heartbeat(lost, 'forced-1'))).toEqual({ code: 'BAD_SIGNATURE', httpStatus: 401 });
    // Pending, the node may heartbeat with the new key; only a sovereign's approval (of the new key) admits it.
    expect(await client.heartbeat(key, 'forced-1')).toMatchObject({ status: 'pending' });
    expect(await client.approve(live.sovereignKey, 'forced-1')).toMatchObject({ status: 'active' });
    expect(await client.heartbeat(key, 'forced-1')).toMatchObject({ status: 'active' });
    expect((await client.trpc.node.heartbeats.query({ nodeId: 'forced-1' })).heartbeats).toHaveLength(3);
  });

  it('works over REST, only for a sovereign, bound to the key the node has now', async () => {
    const [lost, key, taken] = [newKey(), newKey(), newKey()];
    await activeNode('forced-2', lost);
    await activeNode('forced-2-other', taken);
    const sovereign = signerAfterClient(live.sovereignKey);
    const request = (nodePublicKey: string, newPublicKey: string, by = sovereign) =>
      signedForceRotateKey(by, { nodeId: 'forced-2', nodePublicKey, newPublicKey }, { network });

    const notSovereign = request(publicKeyHex(lost), publicKeyHex(key), new Signer(newKey()));
    expect(await post('/force-rotate-key/forced-2', notSovereign)).toMatchObject({
      status: 403,
      body: { error: { code: 'NOT_SOVEREIGN' } },
    });
    // Signed over another key than the node's: it does not verify.
    expect(await post('/force-rotate-key/forced-2', request(publicKeyHex(newKey()), publicKeyHex(key)))).toMatchObject({
      status: 401,
      body: { error: { code: 'BAD_SIGNATURE' } },
    });
    expect(await post('/force-rotate-key/forced-2', request(publicKeyHex(lost), publicKeyHex(taken)))).toMatchObject({
      status: 409,
      body: { error: { code: 'PUBLIC_KEY_TAKEN' } },
    });
    const forced = request(publicKeyHex(lost), publicKeyHex(key));
    expect(await post('/force-rotate-key/forced-2', forced)).toMatchObject({
      status: 200,
      body: { status: 'pending', publicKey: publicKeyHex(key) },
    });
    expect(await post('/force-rotate-key/forced-2', forced)).toMatchObject({ status: 401 });
    expect((await client.trpc.node.get.query({ nodeId: 'forced-2' })).status).toBe('pending');
  });
});
