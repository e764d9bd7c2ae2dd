import { createHash } from 'node:crypto';
import { newEd25519Key } from '../../../shared/sign.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { startAgent } from '../../../client/agent.js';
import { createMeshClient, type MeshClient } from '../../../client/client.js';
import { ManualSchedule } from '../../../client/testing/schedule.js';
import { silentLogger } from '../../log.js';
import { waitUntil } from '../../../shared/testing/wait.js';
import { isMeshError } from '../../../client/errors.js';
import { isEnrollmentKeyCreated } from '../../../shared/enrollment.js';
import { signedEnrollmentKeyCreate, signedEnrollmentKeyRevoke, signedRegister } from '../../../client/signed-requests.js';
import type { Signer } from '../../../client/signer.js';
import type { RunningMesh } from '../../app.js';
import type { MeshConfig } from '../../config.js';
import { newSigner, TestClock } from '../../testing/harness.js';
import { restCall, startTestServer, useCleanups } from '../../testing/servers.js';

// Enrollment keys end to end, on a real HTTP server: REST as curl drives it, tRPC through the SDK.

const defer = useCleanups();
const network = 'tana';
const HOUR = 3_600_000;

let clock: TestClock;
let sovereign: Signer;
let running: RunningMesh;

async function start(config: Partial<MeshConfig> = {}): Promise<void> {
  clock = new TestClock(Date.now());
  sovereign = newSigner(clock);
  running = await startTestServer(defer, {
    clock,
    config: { sovereignKeys: [sovereign.publicKey], admission: ['manual', 'enrollment-key'], rateLimitBurst: 10_000, ...config },
  });
}

const call = (method: string, path: string, body?: unknown) => restCall(running.url, method, path, body);

const registration = (nodeId: string, enrollmentKey?: string) => ({
  nodeId,
  tailscaleHostname: `${nodeId}.ts.net`,
  tailscaleIP: '100.64.0.9',
  services: [{ type: 'ledger', port: 8080 }],
  ...(enrollmentKey ? { enrollmentKey } : {}),
});

async function createKey(options: { maxUses?: number; expiresAt?: number; note?: string; tags?: string[] } = {}) {
  const body = signedEnrollmentKeyCreate(sovereign, { expiresAt: clock.now() + 24 * HOUR, ...options }, { network });
  const created = await call('POST', '/enrollment-keys', body);
  expect(created.status, created.text).toBe(200);
  return created.body as { secret: string; key: { id: string } };
}

async function register(nodeId: string, enrollmentKey?: string, node: Signer = newSigner(clock)) {
  return call('POST', '/register', signedRegister(node, registration(nodeId, enrollmentKey), { network }));
}

async function events(types: string[]) {
  const page = await fetch(`${running.url}/events?types=${types.join(',')}`, { headers: { accept: 'application/json' } });
  return ((await page.json()) as { events: Array<Record<string, any>> }).events;
}

describe('enrollment keys over REST', () => {
  beforeEach(() => start());

  it('shows the secret once, keeps only its hash, and approves the first node at once in its creator’s name', async () => {
    const { secret, key } = await createKey({ note: 'rack 4', tags: ['tag:validator'] });
    expect(secret).toMatch(/^mesh-ek-[0-9a-f]{64}$/);

    const list = await call('GET', '/enrollment-keys');
    expect(list.body.keys).toEqual([
      expect.objectContaining({ id: key.id, note: 'rack 4', tags: ['tag:validator'], uses: 0, maxUses: 1, revokedAt: null }),
    ]);
    expect(list.text).not.toContain(secret.slice(8));
    expect(list.text).not.toContain(createHash('sha256').update(secret).digest('hex'));

    const node = newSigner(clock);
    const registered = await register('validator-1', secret, node);
    expect(registered).toMatchObject({ status: 200, body: { nodeId: 'validator-1', status: 'active' } });
    expect((await call('GET', '/nodes/validator-1')).body).toMatchObject({ status: 'active', approved_by: sovereign.publicKey });

    const [approved] = await events(['node.approved']);
    expect(approved).toMatchObject({
      actor: sovereign.publicKey,
      nodeId: 'validator-1',
      enrollmentKey: { id: key.id, uses: 1, createdBy: sovereign.publicKey, tags: ['tag:validator'] },
      admission: {
        outcome: 'approved',
        verdicts: [
          { policy: 'manual', verdict: 'allow' },
          { policy: 'enrollment-key', verdict: 'approve' },
        ],
      },
    });
    const history = await fetch(`${running.url}/events?since=0&limit=1000`, { headers: { accept: 'application/json' } });
    expect(await history.text()).not.toContain(secret.slice(8));
  });

  it('refuses a single-use key the second time, and registers nothing then', async () => {
    const { secret, key } = await createKey();
    expect((await register('first', secret)).status).toBe(200);
    const second = await register('second', secret);
    expect(second.status).toBe(403);
    expect(second.body.error).toMatchObject({ code: 'ENROLLMENT_KEY_SPENT' });
    expect(second.body.error.message).toContain(`enrollment key ${key.id} is used up (1 of 1 uses)`);
    expect((await call('GET', '/nodes/second')).status).toBe(404);
    const [refused] = await events(['admission.refused']);
    expect(refused).toMatchObject({
      nodeId: 'second',
      admission: {
        outcome: 'refused',
        verdicts: expect.arrayContaining([expect.objectContaining({ policy: 'enrollment-key', verdict: 'refuse' })]),
      },
    });
  });

  it('gives the last use of a key to exactly one of several registrations racing for it', async () => {
    const { secret } = await createKey({ maxUses: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => register(`racer-${index}`, secret)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(2);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(refused.map((answer) => answer.body.error.code as string)).toEqual(Array(4).fill('ENROLLMENT_KEY_SPENT'));
    expect((await call('GET', '/enrollment-keys')).body.keys[0]).toMatchObject({ uses: 2, maxUses: 2 });
  });

  it('refuses an expired key, by mesh’s clock', async () => {
    const { secret, key } = await createKey({ expiresAt: clock.now() + HOUR });
    clock.advance(HOUR);
    const refused = await register('late', secret);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'ENROLLMENT_KEY_EXPIRED' });
    expect(refused.body.error.message).toContain(`enrollment key ${key.id} expired at`);
  });

  it('refuses a key that is not one mesh issued', async () => {
    const refused = await register('guess', `mesh-ek-${'0'.repeat(64)}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ENROLLMENT_KEY_UNKNOWN');
  });

  it('revokes a key (signed by a sovereign only), after which it admits nobody', async () => {
    const { secret, key } = await createKey({ maxUses: 5 });
    const stranger = newSigner(clock);
    const forged = await call(
      'POST',
      `/enrollment-keys/${key.id}/revoke`,
      signedEnrollmentKeyRevoke(stranger, key.id, { network }),
    );
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('NOT_SOVEREIGN');

    const revoked = await call(
      'POST',
      `/enrollment-keys/${key.id}/revoke`,
      signedEnrollmentKeyRevoke(sovereign, key.id, { network }),
    );
    expect(revoked).toMatchObject({ status: 200, body: { key: { id: key.id, revokedBy: sovereign.publicKey } } });
    const refused = await register('after-revoke', secret);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ENROLLMENT_KEY_REVOKED');
    expect((await events(['enrollment-key.revoked']))[0]).toMatchObject({
      actor: sovereign.publicKey,
      enrollmentKey: { id: key.id },
    });

    const unknown = await call(
      'POST',
      '/enrollment-keys/0123456789abcdef/revoke',
      signedEnrollmentKeyRevoke(sovereign, '0123456789abcdef', { network }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ENROLLMENT_KEY_NOT_FOUND');
  });

  it('refuses to create a key that has expired already, or by a key that is not a sovereign’s', async () => {
    const past = await call(
      'POST',
      '/enrollment-keys',
      signedEnrollmentKeyCreate(sovereign, { expiresAt: clock.now() - 1 }, { network }),
    );
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/expiresAt .* must be in the future/);
    const stranger = newSigner(clock);
    const forged = await call(
      'POST',
      '/enrollment-keys',
      signedEnrollmentKeyCreate(stranger, { expiresAt: clock.now() + HOUR }, { network }),
    );
    expect(forged.status).toBe(403);
    expect((await call('GET', '/enrollment-keys')).body.keys).toEqual([]);
  });

  it('binds the key to the registration its node signed: lifted onto another, the signature fails', async () => {
    const { secret } = await createKey();
    // The key added to a registration its node signed without one.
    const plain = signedRegister(newSigner(clock), registration('lifted-on'), { network });
    const added = await call('POST', '/register', { ...plain, enrollmentKey: secret });
    expect(added.status).toBe(401);
    expect(added.body.error.code).toBe('BAD_SIGNATURE');
    // A registration signed with the key, moved to another node id or key.
    const original = signedRegister(newSigner(clock), registration('owner', secret), { network });
    const renamed = await call('POST', '/register', { ...original, nodeId: 'thief' });
    expect(renamed.body.error.code).toBe('BAD_SIGNATURE');
    const rekeyed = await call('POST', '/register', { ...original, publicKey: newSigner().publicKey });
    expect(rekeyed.body.error.code).toBe('BAD_SIGNATURE');
    // Taken off: the node's signature covered it, so the registration without it fails too.
    const { enrollmentKey: _taken, ...stripped } = original;
    expect((await call('POST', '/register', stripped)).body.error.code).toBe('BAD_SIGNATURE');
    expect((await call('GET', '/enrollment-keys')).body.keys[0]).toMatchObject({ uses: 0 });
    // Its own node still gets in with it.
    expect((await call('POST', '/register', original)).body).toMatchObject({ status: 'active' });
  });

  it('keeps an approved node approved when it registers again with a spent key, without spending anything', async () => {
    const { secret } = await createKey();
    const node = newSigner(clock);
    expect((await register('agent', secret, node)).body.status).toBe('active');
    const again = await register('agent', secret, node);
    expect(again).toMatchObject({ status: 200, body: { status: 'active' } });
    expect((await call('GET', '/enrollment-keys')).body.keys[0]).toMatchObject({ uses: 1 });
  });

  it('approves a node still pending when it registers again with a key', async () => {
    const node = newSigner(clock);
    expect((await register('waiting', undefined, node)).body.status).toBe('pending');
    const { secret } = await createKey();
    expect((await register('waiting', secret, node)).body).toMatchObject({ status: 'active' });
  });
});

describe('enrollment keys and MESH_MAX_PENDING', () => {
  it('admits a node with a key while the pending places are full, and frees the place of a pending node it approves', async () => {
    await start({ maxPending: 1 });
    const waiting = newSigner(clock);
    expect((await register('waiting', undefined, waiting)).body.status).toBe('pending');
    expect((await register('turned-away')).body.error.code).toBe('PENDING_FULL');
    await waitUntil(async () => (await events(['mesh.pending-full'])).length === 1, 'mesh marked full');

    const { secret } = await createKey({ maxUses: 2 });
    expect((await register('keyed', secret)).body.status).toBe('active');
    expect((await register('waiting', secret, waiting)).body.status).toBe('active');
    const marks = await events(['mesh.pending-full']);
    expect(marks.map((event) => event.pendingFull.full as boolean)).toEqual([true, false]);
  });
});

describe('registrations without a key, and meshes that take none', () => {
  it('leaves a v1 registration pending, as before, under the default MESH_ADMISSION=manual', async () => {
    await start({ admission: ['manual'] });
    const registered = await register('v1-node');
    expect(registered).toMatchObject({
      status: 200,
      body: { status: 'pending', message: 'Registration successful. Awaiting sovereign approval.' },
    });
  });

  it('refuses a key where MESH_ADMISSION does not name enrollment-key, rather than ignore it', async () => {
    await start({ admission: ['manual'] });
    const { secret } = await createKey();
    const refused = await register('keyed', secret);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'ADMISSION_REFUSED' });
    expect(refused.body.error.message).toContain('does not name enrollment-key');
  });

  it('refuses a registration without a key where enrollment-key is the only policy', async () => {
    await start({ admission: ['enrollment-key'] });
    const refused = await register('keyless');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'ADMISSION_REFUSED' });
    expect(refused.body.error.message).toContain('no admission policy admits it');
    const { secret } = await createKey();
    expect((await register('keyed', secret)).body.status).toBe('active');
  });
});

describe('enrollment keys through tRPC and the SDK', () => {
  let client: MeshClient;
  beforeEach(async () => {
    await start();
    client = createMeshClient({ url: running.url });
  });

  it('creates a reusable key, admits as many nodes as it allows, lists and revokes it', async () => {
    const sovereignKey = sovereign.privateKey;
    await client.info();
    const created = await client.createEnrollmentKey(sovereignKey, { maxUses: 2, expiresAt: clock.now() + HOUR, note: 'sdk' });
    if (!isEnrollmentKeyCreated(created)) throw new Error(`no key under MESH_QUORUM=1: ${created.message}`);
    expect(created.key).toMatchObject({ maxUses: 2, uses: 0, note: 'sdk', createdBy: sovereign.publicKey });

    const nodeKeys = Array.from({ length: 3 }, () => newEd25519Key());
    expect((await client.register(nodeKeys[0]!, { ...registration('sdk-0'), enrollmentKey: created.secret })).status).toBe(
      'active',
    );
    expect((await client.register(nodeKeys[1]!, { ...registration('sdk-1'), enrollmentKey: created.secret })).status).toBe(
      'active',
    );
    const third = await client
      .register(nodeKeys[2]!, { ...registration('sdk-2'), enrollmentKey: created.secret })
      .catch((error: unknown) => error);
    expect(isMeshError(third, 'ENROLLMENT_KEY_SPENT')).toBe(true);

    expect((await client.listEnrollmentKeys()).keys).toEqual([expect.objectContaining({ id: created.key.id, uses: 2 })]);
    const revoked = await client.revokeEnrollmentKey(sovereignKey, created.key.id);
    expect(revoked.key.revokedAt).not.toBeNull();
    expect((await client.revokeEnrollmentKey(sovereignKey, created.key.id)).message).toContain('already revoked');
  });

  it('starts an agent with an enrollment key: its node is active from its first round, and stays so on restart', async () => {
    await client.info();
    const created = await client.createEnrollmentKey(sovereign.privateKey, { expiresAt: clock.now() + HOUR });
    if (!isEnrollmentKeyCreated(created)) throw new Error(`no key under MESH_QUORUM=1: ${created.message}`);
    const { secret } = created;
    const key = newEd25519Key();
    const options = {
      client,
      key,
      registration: { ...registration('agent-node'), enrollmentKey: secret },
      logger: silentLogger,
      schedule: new ManualSchedule().schedule,
    };
    const first = startAgent(options);
    await waitUntil(() => first.status === 'active', 'the agent to see its node active');
    await first.stop();
    // Restarted with the same (now spent) key: registering again keeps the approval.
    const restarted = startAgent(options);
    await waitUntil(() => restarted.status === 'active', 'the restarted agent to see its node active');
    await restarted.stop();
    expect((await client.listEnrollmentKeys()).keys[0]).toMatchObject({ uses: 1 });
  });
});
