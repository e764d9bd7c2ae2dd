import { beforeEach, describe, expect, it } from 'vitest';
import { signedEnrollmentKeyCreate, signedRegister } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import { refusingUrl } from '../../shared/testing/ports.js';
import type { RunningMesh } from '../app.js';
import type { MeshConfig } from '../config.js';
import { jsonAnswer as json, startOracle, type Oracle } from '../testing/admission-oracle.js';
import { newSigner } from '../testing/harness.js';
import { restCall, startTestServer, useCleanups } from '../testing/servers.js';

// The http admission policy against a real oracle: a local HTTP server on port 0 whose answer each
// test chooses, and a real mesh server that asks it.

const defer = useCleanups();
const network = 'tana';

let oracle: Oracle;
let sovereign: Signer;
let running: RunningMesh;

async function start(config: Partial<MeshConfig> = {}): Promise<void> {
  sovereign = newSigner();
  running = await startTestServer(defer, {
    config: {
      sovereignKeys: [sovereign.publicKey],
      admission: ['http'],
      admissionUrl: oracle.url,
      admissionTimeoutMs: 300,
      rateLimitBurst: 10_000,
      ...config,
    },
  });
}

const call = (method: string, path: string, body?: unknown) => restCall(running.url, method, path, body);

const registration = (nodeId: string, enrollmentKey?: string) => ({
  nodeId,
  tailscaleHostname: `${nodeId}.ts.net`,
  tailscaleIP: '100.64.0.7',
  services: [{ type: 'ledger', port: 8080, publicKey: 'ab'.repeat(32) }],
  region: 'eu-west',
  zone: 'eu-west-1a',
  ...(enrollmentKey ? { enrollmentKey } : {}),
});

const register = (nodeId: string, node: Signer = newSigner(), enrollmentKey?: string) =>
  call('POST', '/register', signedRegister(node, registration(nodeId, enrollmentKey), { network }));

async function events(types: string) {
  const page = await fetch(`${running.url}/events?types=${types}`, { headers: { accept: 'application/json' } });
  return ((await page.json()) as { events: Array<Record<string, any>> }).events;
}

async function refusedWith(nodeId: string, code: string, reason: RegExp) {
  const refused = await register(nodeId);
  expect(refused.status).toBe(code === 'ADMISSION_UNAVAILABLE' ? 503 : 403);
  expect(refused.body.error.code).toBe(code);
  expect(refused.body.error.message).toMatch(reason);
  expect((await call('GET', `/nodes/${nodeId}`)).status).toBe(404);
  const recorded = (await events('admission.refused')).filter((event) => event.nodeId === nodeId);
  expect(recorded).toEqual([
    expect.objectContaining({
      admission: { outcome: 'refused', verdicts: [expect.objectContaining({ policy: 'http', verdict: 'refuse' })] },
    }),
  ]);
  expect(recorded[0]?.admission.verdicts[0].reason).toMatch(reason);
  return refused;
}

beforeEach(async () => {
  oracle = await startOracle(defer);
});

describe('the http admission policy', () => {
  it('posts the registration, without any secret, and approves at once when the oracle says approve', async () => {
    await start();
    oracle.answer = json({ allow: true, approve: true, reason: 'stake 5000 >= 1000' });
    const node = newSigner();
    const registered = await register('staked', node);
    expect(registered).toMatchObject({ status: 200, body: { status: 'active' } });
    expect(oracle.questions).toEqual([
      {
        network,
        nodeId: 'staked',
        publicKey: node.publicKey,
        tailscaleHostname: 'staked.ts.net',
        tailscaleIP: '100.64.0.7',
        services: [{ type: 'ledger', port: 8080, publicKey: 'ab'.repeat(32) }],
        region: 'eu-west',
        zone: 'eu-west-1a',
        enrollmentKey: false,
        peerAddress: '127.0.0.1',
        identity: null,
        timestamp: expect.any(Number),
      },
    ]);
    const [approved] = await events('node.approved');
    expect(approved).toMatchObject({
      actor: 'admission:http',
      admission: { outcome: 'approved', verdicts: [{ policy: 'http', verdict: 'approve', reason: 'stake 5000 >= 1000' }] },
    });
  });

  it('lets the node wait for a sovereign when the oracle allows without approving, and records its answer', async () => {
    await start();
    oracle.answer = json({ allow: true, reason: 'stake found, a sovereign decides' });
    expect((await register('allowed')).body.status).toBe('pending');
    const [registered] = await events('node.registered');
    expect(registered?.admission).toEqual({
      outcome: 'pending',
      verdicts: [{ policy: 'http', verdict: 'allow', reason: 'stake found, a sovereign decides' }],
    });
  });

  it('refuses with the oracle’s reason when it does not allow', async () => {
    await start();
    oracle.answer = json({ allow: false, reason: 'stake 10 < 1000' });
    const refused = await refusedWith('unstaked', 'ADMISSION_REFUSED', /stake 10 < 1000/);
    expect(refused.body.error.message).toBe(
      'registration refused by the admission policies (MESH_ADMISSION): http: stake 10 < 1000',
    );
  });

  it('refuses (fail-closed) when the oracle does not answer in time', async () => {
    await start();
    oracle.answer = () => undefined;
    const refused = await refusedWith('slow', 'ADMISSION_UNAVAILABLE', /did not answer within 300 ms/);
    expect(refused.headers.get('retry-after')).toBe('5');
  });

  it('refuses (fail-closed) an answer of HTTP 500, even one that says allow', async () => {
    await start();
    oracle.answer = json({ allow: true, approve: true, reason: 'oops' }, 500);
    await refusedWith('broken', 'ADMISSION_UNAVAILABLE', /answered HTTP 500/);
  });

  it('refuses (fail-closed) garbage: not JSON, or JSON of another shape', async () => {
    await start();
    oracle.answer = (_request, response) => response.end('<html>allow</html>');
    await refusedWith('garbage', 'ADMISSION_UNAVAILABLE', /not JSON/);
    oracle.answer = json({ allow: 'yes', reason: 'sure' });
    await refusedWith('shapeless', 'ADMISSION_UNAVAILABLE', /not \{ allow: boolean/);
    oracle.answer = json({ allow: true });
    await refusedWith('reasonless', 'ADMISSION_UNAVAILABLE', /not \{ allow: boolean/);
    // A stream without a Content-Length, past the 64 KiB an answer may hold.
    oracle.answer = (_request, response) => {
      response.write(`{"allow":true,"approve":true,"reason":"${'x'.repeat(70_000)}`);
      response.end('"}');
    };
    await refusedWith('bloated', 'ADMISSION_UNAVAILABLE', /answered more than 65536 bytes/);
  });

  it('refuses (fail-closed) an oracle nobody listens for', async () => {
    await start({ admissionUrl: `${await refusingUrl()}/admit` });
    await refusedWith('unreachable', 'ADMISSION_UNAVAILABLE', /could not be asked/);
  });

  it('refuses (fail-closed) a redirect rather than follow it', async () => {
    await start();
    oracle.answer = (_request, response) => {
      response.writeHead(307, { location: oracle.url });
      response.end();
    };
    await refusedWith('redirected', 'ADMISSION_UNAVAILABLE', /could not be asked|HTTP 307/);
  });

  it('holds no write lock while it waits: other writes go through, and the registration is checked again after', async () => {
    await start({ admissionTimeoutMs: 20_000 });
    let release: (() => void) | undefined;
    oracle.answer = (_request, response) => {
      release = () => json({ allow: true, reason: 'ok' })(_request, response, '');
    };
    const node = newSigner();
    const waiting = register('contested', node);
    while (!release) await new Promise((resolve) => setImmediate(resolve));

    // Meanwhile: a write of a sovereign, and the same node id taken by another key.
    const created = await call(
      'POST',
      '/enrollment-keys',
      signedEnrollmentKeyCreate(sovereign, { expiresAt: Date.now() + 60_000 }, { network }),
    );
    expect(created.status).toBe(200);
    oracle.answer = json({ allow: true, reason: 'ok' });
    expect((await register('contested')).body.status).toBe('pending');

    release();
    const answer = await waiting;
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('NODE_ID_TAKEN');
  });
});

describe('policies combined (MESH_ADMISSION=manual,enrollment-key,http)', () => {
  async function keySecret(): Promise<string> {
    const created = await call(
      'POST',
      '/enrollment-keys',
      signedEnrollmentKeyCreate(sovereign, { expiresAt: Date.now() + 60_000, maxUses: 5 }, { network }),
    );
    return created.body.secret as string;
  }

  it('approves through a key the oracle allows; refuses, without spending the key, what the oracle refuses', async () => {
    await start({ admission: ['manual', 'enrollment-key', 'http'] });
    const secret = await keySecret();

    oracle.answer = json({ allow: true, reason: 'staked' });
    const approved = await register('keyed', newSigner(), secret);
    expect(approved.body.status).toBe('active');
    expect(oracle.questions.at(-1)).toMatchObject({ nodeId: 'keyed', enrollmentKey: true });
    expect(JSON.stringify(oracle.questions)).not.toContain(secret.slice(8));
    const [event] = await events('node.approved');
    expect(event?.admission.verdicts).toEqual([
      { policy: 'manual', verdict: 'allow', reason: 'a sovereign decides' },
      expect.objectContaining({ policy: 'enrollment-key', verdict: 'approve' }),
      { policy: 'http', verdict: 'allow', reason: 'staked' },
    ]);
    expect(event?.actor).toBe(sovereign.publicKey);

    oracle.answer = json({ allow: false, reason: 'slashed' });
    const refused = await register('slashed', newSigner(), secret);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ADMISSION_REFUSED');
    expect((await call('GET', '/enrollment-keys')).body.keys[0].uses).toBe(1);

    oracle.answer = json({ allow: true, reason: 'staked' });
    expect((await register('plain')).body.status).toBe('pending');
  });

  it('asks the oracle nothing when an approved node registers again', async () => {
    await start();
    oracle.answer = json({ allow: true, approve: true, reason: 'staked' });
    const node = newSigner();
    await register('steady', node);
    oracle.answer = json({ allow: false, reason: 'would refuse' });
    expect((await register('steady', node)).body.status).toBe('active');
    expect(oracle.questions).toHaveLength(1);
  });
});
