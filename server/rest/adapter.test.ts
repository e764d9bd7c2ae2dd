import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister, signedSovereignAdd } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import { startMesh, type RunningMesh } from '../app.js';
import { silentLogger } from '../log.js';
import { newSigner, testConfig } from '../testing/harness.js';

// The documented REST paths on a real HTTP server, driven as curl would drive them.

let running: RunningMesh;
let sovereign: Signer;
const network = 'tana';

beforeAll(async () => {
  sovereign = newSigner();
  running = await startMesh(testConfig({ port: 0, host: '127.0.0.1', sovereignKeys: [sovereign.publicKey] }), {
    logger: silentLogger,
  });
});
afterAll(() => running.close());

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? null : (JSON.parse(text) as Record<string, any>),
  };
}

const registration = (nodeId: string) => ({
  nodeId,
  tailscaleHostname: `${nodeId}.ts.net`,
  tailscaleIP: '100.64.0.5',
  services: [{ type: 'ledger', port: 8080, publicKey: 'ab'.repeat(32) }],
});

describe('REST: the seed workflow', () => {
  it('register → approve → discover → heartbeat → deny → remove', async () => {
    const node = newSigner();
    const registered = await call('POST', '/register', signedRegister(node, registration('validator-002'), { network }));
    expect(registered).toMatchObject({
      status: 200,
      body: {
        success: true,
        nodeId: 'validator-002',
        status: 'pending',
        message: 'Registration successful. Awaiting sovereign approval.',
      },
    });

    const { nodeId: _omitted, ...approval } = signedNodeDecision(
      sovereign,
      'approve',
      { nodeId: 'validator-002', nodePublicKey: node.publicKey },
      { network },
    );
    expect(await call('POST', '/approve/validator-002', approval)).toMatchObject({ status: 200, body: { status: 'active' } });

    const active = await call('GET', '/nodes?status=active');
    expect(active.status).toBe(200);
    expect(active.body?.nodes).toHaveLength(1);
    expect(Object.keys(active.body?.nodes[0]).sort()).toEqual(
      [
        'id',
        'public_key',
        'tailscale_hostname',
        'tailscale_ip',
        'region',
        'zone',
        'status',
        'registered_at',
        'approved_at',
        'approved_by',
        'last_heartbeat',
        'services',
        'uptime',
        'reputation',
      ].sort(),
    );
    expect(active.body?.nodes[0].services).toEqual([
      { type: 'ledger', port: 8080, publicKey: 'ab'.repeat(32), health: { status: 'unknown', checkedAt: null, latencyMs: null } },
    ]);
    expect((await call('GET', '/nodes?service=ledger')).body?.nodes).toHaveLength(1);
    expect((await call('GET', '/nodes?service=t4')).body?.nodes).toHaveLength(0);

    const single = await call('GET', '/nodes/validator-002');
    expect(single.body).toMatchObject({ id: 'validator-002', status: 'active', approved_by: sovereign.publicKey });

    const beat = await call(
      'POST',
      '/heartbeat',
      signedHeartbeat(node, { nodeId: 'validator-002', tailscaleIP: '100.64.0.6' }, { network }),
    );
    expect(beat).toMatchObject({ status: 200, body: { success: true, status: 'active' } });

    const topology = await call('GET', '/topology');
    expect(topology.body).toMatchObject({
      network: 'tana',
      counts: { active: 1 },
      services: { ledger: [{ nodeId: 'validator-002', ip: '100.64.0.6' }] },
    });

    const { nodeId: _d, ...denial } = signedNodeDecision(
      sovereign,
      'deny',
      { nodeId: 'validator-002', nodePublicKey: node.publicKey },
      { network },
    );
    expect(await call('POST', '/deny/validator-002', denial)).toMatchObject({ status: 200, body: { status: 'denied' } });
    expect((await call('GET', '/nodes?status=active')).body?.nodes).toEqual([]);

    const { nodeId: _r, ...removal } = signedNodeDecision(
      sovereign,
      'remove',
      { nodeId: 'validator-002', nodePublicKey: node.publicKey },
      { network },
    );
    expect(await call('POST', '/remove/validator-002', removal)).toMatchObject({ status: 200, body: { removed: true } });
    expect((await call('GET', '/nodes/validator-002')).status).toBe(404);
  });

  it('adds and lists sovereign keys, and answers /health', async () => {
    const second = newSigner();
    const added = await call(
      'POST',
      '/sovereign/add',
      signedSovereignAdd(sovereign, { publicKey: second.publicKey, description: 'backup' }, { network }),
    );
    expect(added).toMatchObject({ status: 200, body: { success: true, publicKey: second.publicKey } });
    const listed = await call('GET', '/sovereign');
    expect(listed.body?.sovereigns.map((s: { public_key: string }) => s.public_key)).toContain(second.publicKey);
    expect(await call('GET', '/health')).toMatchObject({
      status: 200,
      body: { status: 'ok', network: 'tana', protocol: 'mesh-v1' },
    });
  });
});

describe('REST: errors are {success:false, error:{code, message}} with the right status', () => {
  it('400 for validation, naming the field', async () => {
    const result = await call('POST', '/register', {
      nodeId: 'bad id!',
      publicKey: 'xyz',
      tailscaleHostname: 'h.ts.net',
      timestamp: 1,
    });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      success: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/nodeId: must be 1-64 letters.*publicKey: must be an Ed25519 public key/),
      },
    });
    expect((await call('GET', '/nodes?status=sleeping')).body?.error.message).toMatch(/^invalid input: status:/);
  });

  it('400 for a body that is not JSON, or not an object', async () => {
    expect(await call('POST', '/register', undefined, '{"nodeId":')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', message: expect.stringMatching(/not valid JSON/) } },
    });
    expect(await call('POST', '/heartbeat', [1, 2])).toMatchObject({
      status: 400,
      body: { error: { message: 'body must be a JSON object' } },
    });
  });

  it('401 for a missing or bad signature, and for a replay', async () => {
    const node = newSigner();
    const request = signedRegister(node, registration('n401'), { network });
    expect(await call('POST', '/register', { ...request, signature: undefined })).toMatchObject({
      status: 401,
      body: { error: { code: 'MISSING_SIGNATURE' } },
    });
    expect(await call('POST', '/register', { ...request, signature: '00'.repeat(64) })).toMatchObject({
      status: 401,
      body: { error: { code: 'BAD_SIGNATURE' } },
    });
    expect((await call('POST', '/register', request)).status).toBe(200);
    expect(await call('POST', '/register', request)).toMatchObject({
      status: 401,
      body: { error: { code: 'REPLAYED_TIMESTAMP' } },
    });
  });

  it('403 for a non-sovereign approver, 404 for an unknown node, 409 for a taken nodeId', async () => {
    const node = newSigner();
    await call('POST', '/register', signedRegister(node, registration('n403'), { network }));
    const outsider = newSigner();
    const { nodeId: _a, ...byOutsider } = signedNodeDecision(
      outsider,
      'approve',
      { nodeId: 'n403', nodePublicKey: node.publicKey },
      { network },
    );
    expect(await call('POST', '/approve/n403', byOutsider)).toMatchObject({
      status: 403,
      body: { error: { code: 'NOT_SOVEREIGN' } },
    });
    expect(await call('GET', '/nodes/nobody')).toMatchObject({
      status: 404,
      body: { success: false, error: { code: 'NODE_NOT_FOUND' } },
    });
    expect(await call('POST', '/register', signedRegister(newSigner(), registration('n403'), { network }))).toMatchObject({
      status: 409,
      body: { error: { code: 'NODE_ID_TAKEN' } },
    });
  });

  it('413 for a body over 64 KiB', async () => {
    const huge = JSON.stringify({ nodeId: 'n', padding: 'x'.repeat(70 * 1024) });
    expect(await call('POST', '/register', undefined, huge)).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
  });

  it('404 for an unknown path, 405 with Allow for a wrong method, never a 500 for a malformed path', async () => {
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
    const wrong = await call('DELETE', '/nodes');
    expect(wrong).toMatchObject({ status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } });
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(await call('GET', '/nodes/%E0%A4%A')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(await call('GET', '/nodes/has%20space')).toMatchObject({ status: 400 });
  });

  it('answers a request path that is no URL path (//, //[) and stays up', async () => {
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(running.port, '127.0.0.1', () =>
          socket.end(`GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`),
        );
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    for (const target of ['//', '///', '//a:99999', '//[']) expect(await raw(target)).toMatch(/^HTTP\/1\.1 (400|404) /);
    expect((await call('GET', '/health')).status).toBe(200);
  });
});
