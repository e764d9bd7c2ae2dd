import { describe, expect, it } from 'vitest';
import { signedEnrollmentKeyCreate, signedEnrollmentKeyRevoke, signedRegister } from '../../../client/signed-requests.js';
import type { Signer } from '../../../client/signer.js';
import type { DecisionList } from '../../../shared/decisions.js';
import type { MeshEvent } from '../../../shared/events.js';
import { newSigner, TestClock } from '../../testing/harness.js';
import { startTestServer, useCleanups } from '../../testing/servers.js';

// Creating an enrollment key under MESH_QUORUM, over real HTTP with real keys: a key admits nodes
// with no further signature, so one sovereign alone must not be able to make one.
const defer = useCleanups();
const NETWORK = 'tana';
const WINDOW_MS = 10 * 60_000;
const HOUR = 3_600_000;

interface Answer {
  status: number;
  text: string;
  body: Record<string, any>;
}

interface KeyParameters {
  note?: string;
  tags?: string[];
  maxUses?: number;
  expiresAt: number;
}

async function quorumMesh(quorum: number, sovereigns: number) {
  const clock = new TestClock();
  const keys = Array.from({ length: sovereigns }, () => newSigner(clock));
  const running = await startTestServer(defer, {
    clock,
    config: {
      quorum,
      quorumWindowMs: WINDOW_MS,
      sovereignKeys: keys.map((key) => key.publicKey),
      admission: ['manual', 'enrollment-key'],
    },
  });
  const send = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
  };
  const create = (sovereign: Signer, parameters: KeyParameters) =>
    send('POST', '/enrollment-keys', signedEnrollmentKeyCreate(sovereign, parameters, { network: NETWORK }));
  const register = (nodeId: string, enrollmentKey: string) =>
    send(
      'POST',
      '/register',
      signedRegister(newSigner(clock), { nodeId, tailscaleHostname: `${nodeId}.ts.net`, enrollmentKey }, { network: NETWORK }),
    );
  const decisions = async () => (await send('GET', '/decisions')).body as DecisionList;
  const enrollmentKeys = async () => (await send('GET', '/enrollment-keys')).body.keys as Array<Record<string, any>>;
  const events = async (types: string) =>
    ((await send('GET', `/events?types=${types}&limit=1000`)).body as { events: MeshEvent[] }).events;
  return { clock, keys, send, create, register, decisions, enrollmentKeys, events };
}

describe('creating an enrollment key under MESH_QUORUM=2, over HTTP', () => {
  it('waits (202, no key, no secret) for a second sovereign signing the same parameters, whose answer alone carries the secret', async () => {
    const m = await quorumMesh(2, 3);
    const [first, second] = m.keys as [Signer, Signer, Signer];
    const parameters = { note: 'rack 7', tags: ['tag:validator'], maxUses: 2, expiresAt: m.clock.now() + 24 * HOUR };

    const pending = await m.create(first, parameters);
    expect(pending.status, pending.text).toBe(202);
    expect(pending.body).toMatchObject({
      success: true,
      decision: {
        kind: 'enrollment-key-create',
        value: JSON.stringify({ note: 'rack 7', tags: ['tag:validator'], maxUses: 2, expiresAt: parameters.expiresAt }),
        signatures: 1,
        needed: 2,
        effective: false,
        duplicate: false,
        signers: [{ publicKey: first.publicKey }],
      },
    });
    expect(pending.body).not.toHaveProperty('secret');
    expect(pending.body).not.toHaveProperty('key');
    expect(pending.body.message).toContain('Signed the creation of an enrollment key (reusable 2 times, until');
    expect(pending.body.message).toContain('1 of 2 enrollment key creations; pending until 1 more sovereign signs it');
    expect(await m.enrollmentKeys()).toEqual([]);

    const waiting = await m.decisions();
    expect(waiting.decisions).toEqual([
      expect.objectContaining({ kind: 'enrollment-key-create', value: pending.body.decision.value, signatures: 1 }),
    ]);
    expect(waiting.decisions[0]?.target).toMatch(/^[0-9a-f]{64}$/);

    // The same sovereign again changes nothing: a plain 200, still no key.
    const again = await m.create(first, parameters);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ decision: { duplicate: true, signatures: 1, effective: false } });
    expect(again.body).not.toHaveProperty('secret');
    expect(again.body.message).toContain('This key has already signed the creation of an enrollment key');
    expect(await m.enrollmentKeys()).toEqual([]);

    const completed = await m.create(second, parameters);
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body).toMatchObject({
      success: true,
      key: { note: 'rack 7', tags: ['tag:validator'], maxUses: 2, uses: 0, createdBy: second.publicKey },
      decision: { kind: 'enrollment-key-create', signatures: 2, needed: 2, effective: true, duplicate: false },
    });
    const secret = completed.body.secret as string;
    expect(secret).toMatch(/^mesh-ek-[0-9a-f]{64}$/);
    expect((await m.decisions()).decisions).toEqual([]);
    expect(await m.enrollmentKeys()).toEqual([expect.objectContaining({ id: completed.body.key.id, uses: 0 })]);

    const registered = await m.register('validator-7', secret);
    expect(registered.status, registered.text).toBe(200);
    expect(registered.body).toMatchObject({ status: 'active' });

    const signed = await m.events('decision.signed');
    expect(signed.map((event) => [event.actor, event.decision?.signatures, event.decision?.effective])).toEqual([
      [first.publicKey, 1, false],
      [first.publicKey, 1, false],
      [second.publicKey, 2, true],
    ]);
    const history = await m.send('GET', '/events?since=0&limit=1000');
    expect(history.text).not.toContain(secret.slice(8));
  });

  it('never adds up signatures on different parameters', async () => {
    const m = await quorumMesh(2, 3);
    const [first, second, third] = m.keys as [Signer, Signer, Signer];
    const expiresAt = m.clock.now() + HOUR;

    expect((await m.create(first, { maxUses: 1, expiresAt })).status).toBe(202);
    expect((await m.create(second, { maxUses: 5, expiresAt })).status).toBe(202);
    expect((await m.create(third, { maxUses: 1, expiresAt, note: 'other' })).status).toBe(202);
    expect((await m.create(third, { maxUses: 1, expiresAt, tags: ['tag:a', 'tag:b'] })).status).toBe(202);
    expect((await m.create(first, { maxUses: 1, expiresAt, tags: ['tag:b', 'tag:a'] })).status).toBe(202);
    expect((await m.create(second, { maxUses: 1, expiresAt: expiresAt + 1 })).status).toBe(202);
    const waiting = await m.decisions();
    expect(waiting.decisions).toHaveLength(6);
    expect(waiting.decisions.every((decision) => decision.signatures === 1)).toBe(true);
    expect(new Set(waiting.decisions.map((decision) => decision.target)).size).toBe(6);
    expect(await m.enrollmentKeys()).toEqual([]);

    // The third sovereign signing the first's parameters completes that one only.
    const completed = await m.create(third, { maxUses: 1, expiresAt });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ key: { maxUses: 1, note: '', tags: [] }, decision: { effective: true } });
    expect(await m.enrollmentKeys()).toHaveLength(1);
    expect((await m.decisions()).decisions).toHaveLength(5);
  });

  it('lets signatures lapse after MESH_QUORUM_WINDOW_MS, and refuses a key expired already before it is signed', async () => {
    const m = await quorumMesh(2, 2);
    const [first, second] = m.keys as [Signer, Signer];
    const parameters = { expiresAt: m.clock.now() + 24 * HOUR };
    expect((await m.create(first, parameters)).status).toBe(202);
    m.clock.advance(WINDOW_MS);
    const late = await m.create(second, parameters);
    expect(late.status).toBe(202);
    expect(late.body.decision).toMatchObject({ signatures: 1, signers: [{ publicKey: second.publicKey }] });
    expect(await m.enrollmentKeys()).toEqual([]);

    const past = await m.create(first, { expiresAt: m.clock.now() - 1 });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toMatch(/expiresAt .* must be in the future/);
    expect((await m.decisions()).decisions).toHaveLength(1);
  });

  it('revokes a key on one sovereign’s signature: revoking can only admit fewer nodes', async () => {
    const m = await quorumMesh(2, 2);
    const [first, second] = m.keys as [Signer, Signer];
    const parameters = { maxUses: 3, expiresAt: m.clock.now() + HOUR };
    await m.create(first, parameters);
    const { body } = await m.create(second, parameters);
    const revoked = await m.send(
      'POST',
      `/enrollment-keys/${body.key.id}/revoke`,
      signedEnrollmentKeyRevoke(first, body.key.id as string, { network: NETWORK }),
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ key: { id: body.key.id, revokedBy: first.publicKey } });
    expect(revoked.body).not.toHaveProperty('decision');
    expect((await m.register('too-late', body.secret as string)).body.error.code).toBe('ENROLLMENT_KEY_REVOKED');
  });
});

describe('creating an enrollment key under MESH_QUORUM=1', () => {
  it('answers as before: the key and its secret at once, no decision recorded', async () => {
    const m = await quorumMesh(1, 2);
    const created = await m.create(m.keys[0] as Signer, { expiresAt: m.clock.now() + HOUR });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body)).toEqual(['success', 'key', 'secret', 'message']);
    expect(created.body.message).toMatch(
      /^Enrollment key [0-9a-f]{16} created \(single-use, until .*\)\. Its secret is shown this once: mesh keeps only its hash\.$/,
    );
    expect((await m.decisions()).decisions).toEqual([]);
    expect(await m.events('decision.signed')).toEqual([]);
    expect((await m.register('at-once', created.body.secret as string)).body).toMatchObject({ status: 'active' });
  });
});
