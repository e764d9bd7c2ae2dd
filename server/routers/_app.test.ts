import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  signedHeartbeat,
  signedNodeDecision,
  signedRegister,
  signedSovereignAdd,
  signedSovereignRemove,
  type Registration,
} from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import { registerMessage, sovereignAddMessage } from '../../shared/messages.js';
import { mixedOrderKey } from '../../shared/testing/mixed-order-key.js';
import { UNKNOWN_HEALTH, UNKNOWN_UPTIME } from '../../shared/responses.js';
import type { MeshErrorCode } from '../../shared/errors.js';
import { createTestMesh, newSigner, type TestMesh } from '../testing/harness.js';
import { TRPCError } from '@trpc/server';
import { clientErrorView } from '../trpc-errors.js';

let t: TestMesh;
beforeEach(async () => {
  t = await createTestMesh();
});
afterEach(() => t.mesh.close());

const registration = (nodeId: string, extra: Partial<Registration> = {}): Registration => ({
  nodeId,
  tailscaleHostname: `${nodeId}.ts.net`,
  tailscaleIP: '100.64.0.5',
  services: [
    { type: 'ledger', port: 8080, publicKey: '11'.repeat(32) },
    { type: 't4', port: 8180 },
  ],
  ...extra,
});

async function register(signer: Signer, nodeId: string, extra: Partial<Registration> = {}) {
  return t.api.node.register(signedRegister(signer, registration(nodeId, extra), { network: t.network }));
}

async function decide(action: 'approve' | 'deny' | 'remove', nodeId: string, nodePublicKey: string, signer = t.sovereign) {
  const request = signedNodeDecision(signer, action, { nodeId, nodePublicKey }, { network: t.network });
  return t.api.sovereign[action](request);
}

async function heartbeat(signer: Signer, nodeId: string, tailscaleIP?: string) {
  return t.api.health.heartbeat(signedHeartbeat(signer, { nodeId, tailscaleIP }, { network: t.network }));
}

/** The domain code a call fails with, as clients see it. */
async function failure(call: Promise<unknown>): Promise<{ code: MeshErrorCode; message: string; httpStatus: number }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) {
      const { meshCode, message, httpStatus } = clientErrorView(error);
      return { code: meshCode, message, httpStatus };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('the seed workflow through the procedures', () => {
  it('registers pending, approves to active, discovers, heartbeats', async () => {
    const node = newSigner(t.clock);
    expect(await register(node, 'validator-002')).toEqual({
      success: true,
      nodeId: 'validator-002',
      status: 'pending',
      message: 'Registration successful. Awaiting sovereign approval.',
    });
    expect((await t.api.node.list({ status: 'active' })).nodes).toEqual([]);
    expect((await t.api.node.list({ status: 'pending' })).nodes.map((n) => n.id)).toEqual(['validator-002']);

    const approved = await decide('approve', 'validator-002', node.publicKey);
    expect(approved).toMatchObject({ success: true, status: 'active' });

    const [listed] = (await t.api.node.list({ status: 'active' })).nodes;
    expect(listed).toEqual({
      id: 'validator-002',
      public_key: node.publicKey,
      tailscale_hostname: 'validator-002.ts.net',
      tailscale_ip: '100.64.0.5',
      region: null,
      zone: null,
      status: 'active',
      registered_at: t.clock.now(),
      approved_at: t.clock.now(),
      approved_by: t.sovereign.publicKey,
      last_heartbeat: null,
      services: [
        // Probes are off in tests: no service has been checked.
        { type: 'ledger', port: 8080, publicKey: '11'.repeat(32), health: UNKNOWN_HEALTH },
        { type: 't4', port: 8180, publicKey: null, health: UNKNOWN_HEALTH },
      ],
      // No heartbeat yet: no interval could be observed.
      uptime: UNKNOWN_UPTIME,
      reputation: null,
    });

    t.clock.advance(120_000);
    const beat = await heartbeat(node, 'validator-002', '100.64.0.9');
    expect(beat).toEqual({ success: true, nodeId: 'validator-002', status: 'active', receivedAt: t.clock.now() });
    const got = await t.api.node.get({ nodeId: 'validator-002' });
    expect(got.last_heartbeat).toBe(t.clock.now());
    expect(got.tailscale_ip).toBe('100.64.0.9');
  });

  it('filters discovery by service type and builds the topology', async () => {
    const a = newSigner(t.clock);
    const b = newSigner(t.clock);
    const c = newSigner(t.clock);
    await register(a, 'a', { services: [{ type: 'ledger', port: 1 }] });
    await register(b, 'b', { services: [{ type: 'identity', port: 2, publicKey: 'AB'.repeat(32) }] });
    await register(c, 'c');
    await decide('approve', 'a', a.publicKey);
    await decide('approve', 'b', b.publicKey);
    await decide('deny', 'c', c.publicKey);

    expect((await t.api.node.list({ service: 'identity' })).nodes.map((n) => n.id)).toEqual(['b']);
    expect((await t.api.node.list({ status: 'active', service: 'ledger' })).nodes.map((n) => n.id)).toEqual(['a']);
    expect((await t.api.node.list({})).nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect((await t.api.node.list({ status: 'denied' })).nodes.map((n) => n.id)).toEqual(['c']);

    const topology = await t.api.node.topology();
    expect(topology.network).toBe('tana');
    expect(topology.counts).toEqual({ pending: 0, active: 2, offline: 0, denied: 1 });
    expect(topology.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(topology.services).toEqual({
      ledger: [
        {
          nodeId: 'a',
          hostname: 'a.ts.net',
          ip: '100.64.0.5',
          port: 1,
          publicKey: null,
          status: 'active',
          health: UNKNOWN_HEALTH,
        },
      ],
      identity: [
        {
          nodeId: 'b',
          hostname: 'b.ts.net',
          ip: '100.64.0.5',
          port: 2,
          publicKey: 'ab'.repeat(32),
          status: 'active',
          health: UNKNOWN_HEALTH,
        },
      ],
    });
  });
});

describe('registration', () => {
  it('updates address and services on re-registration with the same key, keeping the status', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    await decide('approve', 'n1', node.publicKey);
    const again = await register(node, 'n1', { tailscaleHostname: 'moved.ts.net', services: [{ type: 'ledger', port: 9 }] });
    expect(again).toMatchObject({ status: 'active', message: 'Registration updated. Status: active.' });
    const got = await t.api.node.get({ nodeId: 'n1' });
    expect(got).toMatchObject({ tailscale_hostname: 'moved.ts.net', status: 'active' });
    expect(got.services).toEqual([{ type: 'ledger', port: 9, publicKey: null, health: UNKNOWN_HEALTH }]);
  });

  it('refuses a nodeId held by another key (409) and a key held by another node (409)', async () => {
    const owner = newSigner(t.clock);
    await register(owner, 'n1');
    expect(await failure(register(newSigner(t.clock), 'n1'))).toMatchObject({ code: 'NODE_ID_TAKEN', httpStatus: 409 });
    expect(await failure(register(owner, 'n2'))).toMatchObject({ code: 'PUBLIC_KEY_TAKEN', httpStatus: 409 });
  });

  it('holds at most MESH_MAX_PENDING registrations awaiting a decision (429), updates of those included', async () => {
    t.mesh.close();
    t = await createTestMesh({ config: { maxPending: 2 } });
    const [first, second, third] = [newSigner(t.clock), newSigner(t.clock), newSigner(t.clock)];
    await register(first, 'n1');
    await register(second, 'n2');
    const refused = await failure(register(third, 'n3'));
    expect(refused).toMatchObject({ code: 'PENDING_FULL', httpStatus: 429 });
    expect(refused.message).toMatch(/^2 registrations already await a sovereign's decision \(MESH_MAX_PENDING\)/);
    expect((await t.api.node.list({ status: 'pending' })).nodes.map((node) => node.id)).toEqual(['n1', 'n2']);
    // A pending node updating its registration takes no new place.
    expect(await register(first, 'n1', { tailscaleHostname: 'moved.ts.net' })).toMatchObject({ status: 'pending' });
    await decide('approve', 'n1', first.publicKey);
    expect(await register(third, 'n3')).toMatchObject({ status: 'pending' });
  });

  it('keeps a denied node denied (403)', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    await decide('deny', 'n1', node.publicKey);
    expect(await failure(register(node, 'n1'))).toMatchObject({ code: 'NODE_DENIED', httpStatus: 403 });
  });

  it('refuses duplicate services and more than 32 of them, naming the field', async () => {
    // Signed as a client would, but not run through the client's own copy of the schema: the server alone refuses.
    const node = newSigner(t.clock);
    const unchecked = (services: Array<{ type: string; port: number }>) => {
      const fields = {
        nodeId: 'n1',
        publicKey: node.publicKey,
        tailscaleHostname: 'n1.ts.net',
        tailscaleIP: null,
        services: services.map((service) => ({ ...service, publicKey: null })),
        timestamp: node.nextTimestamp(),
      };
      return t.api.node.register({ ...fields, signature: node.sign(registerMessage(t.network, fields)) });
    };
    const duplicate = await failure(
      unchecked([
        { type: 'ledger', port: 1 },
        { type: 'ledger', port: 1 },
      ]),
    );
    expect(duplicate).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 400 });
    expect(duplicate.message).toMatch(/services\.1: lists ledger:1 twice/);
    const many = await failure(unchecked(Array.from({ length: 33 }, (_, port) => ({ type: 'svc', port: port + 1 }))));
    expect(many).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 400 });
    expect(many.message).toMatch(/services: .*at most 32/);
    expect(await t.api.node.list({})).toMatchObject({ nodes: [] });
  });

  it('refuses a small-order public key, even with a signature that verifies for it', async () => {
    const smallOrder = '0100000000000000000000000000000000000000000000000000000000000000';
    const error = await failure(
      t.api.node.register({
        nodeId: 'evil',
        publicKey: smallOrder,
        tailscaleHostname: 'evil.ts.net',
        services: [],
        timestamp: t.clock.now(),
        // R = identity, S = 0: "valid" for every message under the identity key in lax verifiers.
        signature: '01'.padEnd(128, '0'),
      }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 400 });
    expect(error.message).toMatch(/publicKey: is a small-order point/);
  });

  it('refuses a mixed-order public key (a real key plus a torsion point), though OpenSSL verifies its signature', async () => {
    const mixed = mixedOrderKey();
    const unsigned = {
      nodeId: 'mixed',
      publicKey: mixed.publicKey,
      tailscaleHostname: 'mixed.ts.net',
      services: [],
      timestamp: t.clock.now(),
    };
    const error = await failure(
      t.api.node.register({ ...unsigned, signature: mixed.sign(registerMessage(t.network, unsigned)) }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 400 });
    expect(error.message).toMatch(/publicKey: is not torsion-free/);
    expect(await t.api.node.list({})).toMatchObject({ nodes: [] });
  });
});

describe('signatures', () => {
  it('refuses a missing or wrong signature with 401', async () => {
    const node = newSigner(t.clock);
    const request = signedRegister(node, registration('n1'), { network: t.network });
    expect(await failure(t.api.node.register({ ...request, signature: undefined }))).toMatchObject({
      code: 'MISSING_SIGNATURE',
      httpStatus: 401,
    });
    expect(await failure(t.api.node.register({ ...request, tailscaleHostname: 'other.ts.net' }))).toMatchObject({
      code: 'BAD_SIGNATURE',
      httpStatus: 401,
    });
    expect(await failure(t.api.node.register({ ...request, signature: 'nothex' }))).toMatchObject({ code: 'BAD_SIGNATURE' });
  });

  it('refuses a replayed or older timestamp, also after the request succeeded', async () => {
    const node = newSigner(t.clock);
    const request = signedRegister(node, registration('n1'), { network: t.network });
    await t.api.node.register(request);
    expect(await failure(t.api.node.register(request))).toMatchObject({ code: 'REPLAYED_TIMESTAMP', httpStatus: 401 });
    const older = signedRegister(node, registration('n1'), { network: t.network, timestamp: request.timestamp - 1 });
    expect(await failure(t.api.node.register(older))).toMatchObject({ code: 'REPLAYED_TIMESTAMP' });
  });

  it('lets a request refused for another reason leave its timestamp unused', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    const other = newSigner(t.clock);
    const taken = signedRegister(other, registration('n1'), { network: t.network });
    await expect(t.api.node.register(taken)).rejects.toThrow(/another public key/);
    // Same key and timestamp, now for a free nodeId: accepted, because the refused request was rolled back.
    const retry = signedRegister(other, registration('n2'), { network: t.network, timestamp: taken.timestamp });
    expect(await t.api.node.register(retry)).toMatchObject({ status: 'pending' });
  });

  it('accepts much less from the future (MESH_MAX_FUTURE_SKEW_MS) than from the past, so no key is locked out', async () => {
    const node = newSigner(t.clock);
    // Once accepted, now + 290 s would have made every later request of this key a replay for 290 s.
    const ahead = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() + 290_000 });
    const refused = await failure(t.api.node.register(ahead));
    expect(refused).toMatchObject({ code: 'STALE_TIMESTAMP', httpStatus: 401 });
    expect(refused.message).toMatch(/290000 ms in the future; at most 30000 ms in the future \(MESH_MAX_FUTURE_SKEW_MS\)/);
    const onTime = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() });
    expect(await t.api.node.register(onTime)).toMatchObject({ status: 'pending' });
    const edge = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() + 30_000 });
    expect(await t.api.node.register(edge)).toMatchObject({ status: 'pending' });
    const beyond = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() + 30_001 });
    expect(await failure(t.api.node.register(beyond))).toMatchObject({ code: 'STALE_TIMESTAMP' });
  });

  it('refuses stale and future timestamps beyond MESH_MAX_SKEW_MS', async () => {
    const node = newSigner(t.clock);
    const stale = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() - 300_001 });
    expect(await failure(t.api.node.register(stale))).toMatchObject({ code: 'STALE_TIMESTAMP', httpStatus: 401 });
    const future = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() + 300_001 });
    expect(await failure(t.api.node.register(future))).toMatchObject({ code: 'STALE_TIMESTAMP' });
    const edge = signedRegister(node, registration('n1'), { network: t.network, timestamp: t.clock.now() - 300_000 });
    expect(await t.api.node.register(edge)).toMatchObject({ status: 'pending' });
  });

  it('refuses a signature made for another network', async () => {
    const node = newSigner(t.clock);
    const request = signedRegister(node, registration('n1'), { network: 'testnet' });
    expect(await failure(t.api.node.register(request))).toMatchObject({ code: 'BAD_SIGNATURE', httpStatus: 401 });
  });

  it('binds an approval to the node key it was signed for', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    const wrongKey = signedNodeDecision(
      t.sovereign,
      'approve',
      { nodeId: 'n1', nodePublicKey: '22'.repeat(32) },
      { network: t.network },
    );
    expect(await failure(t.api.sovereign.approve(wrongKey))).toMatchObject({ code: 'BAD_SIGNATURE' });
    // The approve signature is not a deny signature.
    const approval = signedNodeDecision(
      t.sovereign,
      'approve',
      { nodeId: 'n1', nodePublicKey: node.publicKey },
      { network: t.network },
    );
    expect(await failure(t.api.sovereign.deny(approval))).toMatchObject({ code: 'BAD_SIGNATURE' });
  });
});

describe('sovereign decisions', () => {
  it('refuses an approval by a valid key that is not a sovereign (403)', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    expect(await failure(decide('approve', 'n1', node.publicKey, newSigner(t.clock)))).toMatchObject({
      code: 'NOT_SOVEREIGN',
      httpStatus: 403,
    });
    expect((await t.api.node.get({ nodeId: 'n1' })).status).toBe('pending');
  });

  it('answers 404 for an unknown node', async () => {
    expect(await failure(decide('approve', 'ghost', '33'.repeat(32)))).toMatchObject({ code: 'NODE_NOT_FOUND', httpStatus: 404 });
    expect(await failure(t.api.node.get({ nodeId: 'ghost' }))).toMatchObject({ code: 'NODE_NOT_FOUND', httpStatus: 404 });
    expect(await failure(heartbeat(newSigner(t.clock), 'ghost'))).toMatchObject({ code: 'NODE_NOT_FOUND' });
  });

  it('approving an active node changes nothing', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    await decide('approve', 'n1', node.publicKey);
    const before = await t.api.node.get({ nodeId: 'n1' });
    t.clock.advance(1000);
    expect(await decide('approve', 'n1', node.publicKey)).toMatchObject({
      status: 'active',
      message: 'Node n1 is already approved.',
    });
    expect(await t.api.node.get({ nodeId: 'n1' })).toEqual(before);
  });

  it('deny removes an active node from discovery at once and refuses its heartbeats (403)', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    await decide('approve', 'n1', node.publicKey);
    await decide('deny', 'n1', node.publicKey);
    expect((await t.api.node.list({ status: 'active' })).nodes).toEqual([]);
    expect((await t.api.node.topology()).nodes).toEqual([]);
    expect(await failure(heartbeat(node, 'n1'))).toMatchObject({ code: 'NODE_DENIED', httpStatus: 403 });
  });

  it('remove deletes the node, its services and heartbeats, and the nodeId can register afresh', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    await heartbeat(node, 'n1');
    expect(await decide('remove', 'n1', node.publicKey)).toMatchObject({ removed: true });
    expect(await failure(t.api.node.get({ nodeId: 'n1' }))).toMatchObject({ code: 'NODE_NOT_FOUND' });
    const leftovers = await t.mesh.database.client.execute(
      "SELECT (SELECT count(*) FROM services WHERE node_id = 'n1') + (SELECT count(*) FROM heartbeats WHERE node_id = 'n1') AS n",
    );
    expect(leftovers.rows[0]?.n).toBe(0);
    const newcomer = newSigner(t.clock);
    expect(await register(newcomer, 'n1')).toMatchObject({ status: 'pending' });
    expect((await t.api.node.get({ nodeId: 'n1' })).public_key).toBe(newcomer.publicKey);
  });
});

describe('heartbeats', () => {
  it('records a pending node heartbeat and keeps it pending', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    expect(await heartbeat(node, 'n1')).toMatchObject({ status: 'pending' });
    const rows = await t.mesh.database.client.execute("SELECT timestamp, tailscale_ip FROM heartbeats WHERE node_id = 'n1'");
    expect(rows.rows.map((row) => ({ ...row }))).toEqual([{ timestamp: t.clock.now(), tailscale_ip: '100.64.0.5' }]);
  });

  it('refuses a heartbeat signed by a key other than the registered one', async () => {
    const node = newSigner(t.clock);
    await register(node, 'n1');
    expect(await failure(heartbeat(newSigner(t.clock), 'n1'))).toMatchObject({ code: 'BAD_SIGNATURE', httpStatus: 401 });
  });
});

describe('sovereign keys', () => {
  /** sovereign.add signed by the sovereign over fields the SDK would refuse to send: only the server judges them. */
  const addSignedAsIs = (publicKey: string, description: string) => {
    const unsigned = { publicKey, description, timestamp: t.sovereign.nextTimestamp() };
    return t.api.sovereign.add({
      ...unsigned,
      approverPublicKey: t.sovereign.publicKey,
      signature: t.sovereign.sign(sovereignAddMessage(t.network, unsigned)),
    });
  };

  it('refuses a description with a NUL, though signed, naming the field, instead of storing it to be shown truncated', async () => {
    const error = await failure(addSignedAsIs(newSigner(t.clock).publicKey, 'before\0after'));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 400 });
    expect(error.message).toMatch(/description: must not contain control characters/);
    expect((await t.api.sovereign.list()).sovereigns).toHaveLength(1);
  });

  it('refuses to add a mixed-order key as a sovereign, even signed by a sovereign', async () => {
    const error = await failure(addSignedAsIs(mixedOrderKey().publicKey, 'mixed'));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', httpStatus: 400 });
    expect(error.message).toMatch(/publicKey: is not torsion-free/);
    expect((await t.api.sovereign.list()).sovereigns).toHaveLength(1);
  });

  it('adds a key only with an existing sovereign signature, and lists it', async () => {
    const second = newSigner(t.clock);
    const outsider = newSigner(t.clock);
    const byOutsider = signedSovereignAdd(outsider, { publicKey: outsider.publicKey }, { network: t.network });
    expect(await failure(t.api.sovereign.add(byOutsider))).toMatchObject({ code: 'NOT_SOVEREIGN', httpStatus: 403 });

    t.clock.advance(1000);
    const added = signedSovereignAdd(t.sovereign, { publicKey: second.publicKey, description: 'backup' }, { network: t.network });
    expect(await t.api.sovereign.add(added)).toMatchObject({ success: true, publicKey: second.publicKey });
    expect(
      await failure(
        t.api.sovereign.add(signedSovereignAdd(t.sovereign, { publicKey: second.publicKey }, { network: t.network })),
      ),
    ).toMatchObject({
      code: 'SOVEREIGN_EXISTS',
      httpStatus: 409,
    });
    const { sovereigns } = await t.api.sovereign.list();
    expect(sovereigns.map((s) => [s.public_key, s.description, s.added_by])).toEqual([
      [t.sovereign.publicKey, 'from MESH_SOVEREIGN_KEYS', null],
      [second.publicKey, 'backup', t.sovereign.publicKey],
    ]);

    // The new sovereign can approve.
    const node = newSigner(t.clock);
    await register(node, 'n1');
    expect(await decide('approve', 'n1', node.publicKey, second)).toMatchObject({ status: 'active' });
  });

  it('removes a key, but never the last one', async () => {
    const last = signedSovereignRemove(t.sovereign, t.sovereign.publicKey, { network: t.network });
    expect(await failure(t.api.sovereign.removeKey(last))).toMatchObject({ code: 'LAST_SOVEREIGN', httpStatus: 409 });

    const second = newSigner(t.clock);
    await t.api.sovereign.add(signedSovereignAdd(t.sovereign, { publicKey: second.publicKey }, { network: t.network }));
    await t.api.sovereign.removeKey(signedSovereignRemove(second, t.sovereign.publicKey, { network: t.network }));
    expect((await t.api.sovereign.list()).sovereigns.map((s) => s.public_key)).toEqual([second.publicKey]);
    // The removed key has lost its power at once.
    const node = newSigner(t.clock);
    await register(node, 'n1');
    expect(await failure(decide('approve', 'n1', node.publicKey))).toMatchObject({ code: 'NOT_SOVEREIGN' });
    expect(
      await failure(t.api.sovereign.removeKey(signedSovereignRemove(second, 'ee'.repeat(32), { network: t.network }))),
    ).toMatchObject({
      code: 'SOVEREIGN_NOT_FOUND',
      httpStatus: 404,
    });
  });
});

describe('info', () => {
  it('tells the network, the server time and the timings', async () => {
    expect(await t.api.info()).toMatchObject({
      network: 'tana',
      protocol: 'mesh-v1',
      serverTime: t.clock.now(),
      heartbeatIntervalMs: 120_000,
      offlineAfterMs: 300_000,
      maxSkewMs: 300_000,
      maxFutureSkewMs: 30_000,
    });
  });
});
