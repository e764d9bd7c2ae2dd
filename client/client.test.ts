import { createPrivateKey, type KeyObject } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyHex, newEd25519Key } from '../shared/sign.js';
import { createMeshClient } from './client.js';
import { MeshClientError } from './errors.js';
import { refusingUrl } from '../shared/testing/ports.js';
import { startFakeServer, startLiveMesh, validatorRegistration, type LiveMesh } from './testing/mesh.js';

let live: LiveMesh;
let dead: string;
beforeAll(async () => {
  live = await startLiveMesh();
  dead = await refusingUrl();
});
afterAll(() => live.close());

const newKey = (): KeyObject => newEd25519Key();
const noWait = { retryDelayMs: () => 0 };

async function rejection(call: Promise<unknown>): Promise<MeshClientError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MeshClientError);
  return error as MeshClientError;
}

describe('failover between mesh URLs', () => {
  it('moves past a dead URL for reads and signed calls alike', async () => {
    const client = createMeshClient({ url: [dead, live.url], ...noWait });
    expect((await client.info()).network).toBe('tana');
    const node = newKey();
    expect(await client.register(node, validatorRegistration('failover-1'))).toMatchObject({ status: 'pending' });
    expect(await client.approve(live.sovereignKey, 'failover-1')).toMatchObject({ status: 'active' });
    const { nodes } = await client.trpc.node.list.query({ status: 'active' });
    expect(nodes.map((n) => n.id)).toContain('failover-1');
  });

  it('reports UNREACHABLE, naming every URL, when none answers', async () => {
    const other = await refusingUrl();
    let delays = 0;
    const client = createMeshClient({ url: [dead, other], readAttempts: 3, retryDelayMs: () => (delays++, 0) });
    const error = await rejection(client.trpc.node.list.query({}));
    expect(error).toMatchObject({ code: 'UNREACHABLE', httpStatus: undefined });
    expect(error.message).toBe(`mesh is unreachable: ${dead} (ECONNREFUSED), ${other} (ECONNREFUSED)`);
    expect(delays).toBe(2);
    expect((await rejection(client.register(newKey(), validatorRegistration('nowhere')))).code).toBe('UNREACHABLE');
  });

  it('takes a proxy error page for an unreachable mesh when reading', async () => {
    const proxy = await startFakeServer((_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>'),
    );
    try {
      const client = createMeshClient({ url: [proxy.url, live.url], ...noWait });
      expect((await client.info()).service).toBe('mesh');
      expect(proxy.requests).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('never sends a signed call elsewhere once it may have been delivered', async () => {
    // Reads pass through to mesh; a POST is read in full, then the connection is cut without an answer.
    const flaky = await startFakeServer((req, res) => {
      if (req.method === 'GET') {
        void fetch(live.url + req.url).then(async (answer) =>
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()),
        );
      } else {
        req.resume().on('end', () => req.socket.destroy());
      }
    });
    try {
      const client = createMeshClient({ url: [flaky.url, live.url], ...noWait });
      const error = await rejection(client.register(newKey(), validatorRegistration('maybe-delivered')));
      expect(error.code).toBe('UNREACHABLE');
      expect(error.message).toBe(`mesh is unreachable: ${flaky.url} (other side closed)`);
      expect(flaky.requests.map((request) => request.split('?')[0])).toEqual(['GET /trpc/info', 'POST /trpc/node.register']);
      expect((await rejection(client.trpc.node.get.query({ nodeId: 'maybe-delivered' }))).code).toBe('NODE_NOT_FOUND');
    } finally {
      await flaky.close();
    }
  });
});

describe('typed errors', () => {
  const client = () => createMeshClient({ url: live.url });

  it("carries mesh's code and HTTP status, and is still a TRPCClientError", async () => {
    const error = await rejection(client().trpc.node.get.query({ nodeId: 'ghost' }));
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({ code: 'NODE_NOT_FOUND', httpStatus: 404, message: 'no node ghost is registered' });
    expect(error.data?.meshCode).toBe('NODE_NOT_FOUND');
    expect(error.cause).toBeInstanceOf(TRPCClientError);
  });

  it('refuses an approval by a key that is not a sovereign (403)', async () => {
    const c = client();
    await c.register(newKey(), validatorRegistration('typed-1'));
    expect(await rejection(c.approve(newKey(), 'typed-1'))).toMatchObject({ code: 'NOT_SOVEREIGN', httpStatus: 403 });
    expect(await rejection(c.approve(live.sovereignKey, 'nobody'))).toMatchObject({ code: 'NODE_NOT_FOUND' });
  });

  it('refuses invalid input before signing, as mesh would', async () => {
    const error = await rejection(client().register(newKey(), validatorRegistration('bad id!')));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', httpStatus: undefined });
    expect(error.message).toMatch(/^invalid input: nodeId: must be 1-64 letters/);
  });

  it('reports a replayed request as REPLAYED_TIMESTAMP', async () => {
    const c = client();
    const decision = await c.prepareDecision(live.sovereignKey, 'deny', 'typed-1');
    expect(decision.node.id).toBe('typed-1');
    const request = decision.sign();
    await c.trpc.sovereign.deny.mutate(request);
    expect(await rejection(c.trpc.sovereign.deny.mutate(request))).toMatchObject({ code: 'REPLAYED_TIMESTAMP', httpStatus: 401 });
  });
});

describe('signing', () => {
  it('keeps timestamps increasing and in order under a burst, whichever KeyObject holds the key', async () => {
    const client = createMeshClient({ url: live.url });
    const key = newKey();
    const sameKey = createPrivateKey(key.export({ format: 'pem', type: 'pkcs8' }));
    await client.register(key, validatorRegistration('burst-1'));
    const beats = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.heartbeat(i % 2 ? key : sameKey, 'burst-1', `100.64.0.${i + 1}`)),
    );
    expect(beats.map((beat) => beat.status)).toEqual(Array.from({ length: 30 }, () => 'pending'));
    // Every one was accepted (none refused as a replay), in the order it was signed.
    const recorded = await live.running.mesh.database.client.execute(
      "SELECT timestamp, tailscale_ip FROM heartbeats WHERE node_id = 'burst-1' ORDER BY id",
    );
    const ips = recorded.rows.map((row) => row.tailscale_ip);
    expect(ips).toEqual(Array.from({ length: 30 }, (_, i) => `100.64.0.${i + 1}`));
    const stamps = recorded.rows.map((row) => Number(row.timestamp));
    expect(stamps.every((timestamp, i) => i === 0 || timestamp > (stamps[i - 1] as number))).toBe(true);
    expect((await client.trpc.node.get.query({ nodeId: 'burst-1' })).tailscale_ip).toBe('100.64.0.30');

    // Many signatures within one millisecond still get distinct, increasing timestamps.
    const decision = await client.prepareDecision(live.sovereignKey, 'approve', 'burst-1');
    const timestamps = Array.from({ length: 200 }, () => decision.sign().timestamp);
    expect(timestamps.every((timestamp, i) => i === 0 || timestamp > (timestamps[i - 1] as number))).toBe(true);
  });

  it('binds a decision to the key the node registered with', async () => {
    const client = createMeshClient({ url: live.url });
    const node = newKey();
    await client.register(node, validatorRegistration('bound-1'));
    const decision = await client.prepareDecision(live.sovereignKey, 'approve', 'bound-1');
    expect(decision).toMatchObject({ action: 'approve', network: 'tana' });
    expect(decision.node.public_key).toBe(publicKeyHex(node));
    // The node is removed and its id registered again under another key: the old decision no longer applies.
    await client.remove(live.sovereignKey, 'bound-1');
    await client.register(newKey(), validatorRegistration('bound-1'));
    expect(await rejection(decision.send())).toMatchObject({ code: 'BAD_SIGNATURE' });
  });

  it('adds and removes a sovereign key', async () => {
    const client = createMeshClient({ url: live.url });
    const second = newKey();
    await client.addSovereign(live.sovereignKey, publicKeyHex(second), 'second sovereign');
    const { sovereigns } = await client.trpc.sovereign.list.query();
    expect(sovereigns.map((s) => [s.public_key, s.description])).toContainEqual([publicKeyHex(second), 'second sovereign']);
    expect(await client.removeSovereign(second, publicKeyHex(second))).toMatchObject({ success: true });
  });
});

describe("signing by mesh's clock", () => {
  // mesh's clock is this one moved by `meshAhead`: the validator's clock is wrong by as much.
  let meshAhead = 0;
  let skewed: LiveMesh;
  beforeAll(async () => {
    skewed = await startLiveMesh({}, { clock: { now: () => Date.now() + meshAhead } });
  });
  afterAll(() => skewed.close());

  it("signs by mesh's time when this machine's clock is 10 minutes off", async () => {
    meshAhead = -600_000;
    const client = createMeshClient({ url: skewed.url });
    const node = newKey();
    expect(await client.register(node, validatorRegistration('clock-ahead'))).toMatchObject({ status: 'pending' });
    expect(client.clockOffsetMs).toBeLessThan(-590_000);
    expect(await client.approve(skewed.sovereignKey, 'clock-ahead')).toMatchObject({ status: 'active' });
    expect(await client.heartbeat(node, 'clock-ahead')).toMatchObject({ status: 'active' });
  });

  it('keeps working while the clocks drift apart: a refused timestamp makes it measure again and resend', async () => {
    meshAhead = 0;
    let localAhead = 0;
    const client = createMeshClient({ url: skewed.url, now: () => Date.now() + localAhead });
    const node = newKey();
    await client.register(node, validatorRegistration('clock-drift'));
    await client.approve(skewed.sovereignKey, 'clock-drift');
    meshAhead = 400_000; // this machine falls behind by more than MESH_MAX_SKEW_MS
    expect(await client.heartbeat(node, 'clock-drift')).toMatchObject({ status: 'active' });
    localAhead = 120_000; // then runs ahead by more than MESH_MAX_FUTURE_SKEW_MS
    expect(await client.heartbeat(node, 'clock-drift')).toMatchObject({ status: 'active' });
    expect(client.clockOffsetMs).toBeGreaterThan(270_000);
    expect(client.clockOffsetMs).toBeLessThan(290_000);
  });
});
