import { describe, expect, it } from 'vitest';
import { signedEnrollmentKeyCreate, signedRegister } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import type { IdentityMode } from '../../shared/identity.js';
import type { MeshConfig } from '../config.js';
import { LocalApiStandIn, whoIsFixture, type WhoIsNodeFixture } from '../identity/testing/local-api.js';
import { jsonAnswer, startOracle } from '../testing/admission-oracle.js';
import { newSigner } from '../testing/harness.js';
import { restCall, startTestServer, useCleanups } from '../testing/servers.js';

// The identity admission policy (MESH_ADMISSION=identity) against a real LocalAPI stand-in on a
// unix socket and a real mesh on loopback, registering over real HTTP so the peer address is real.

const defer = useCleanups();
const network = 'tana';

const validator: WhoIsNodeFixture = {
  stableId: 'nK7xQ3CNTRL',
  name: 'validator-1.tail-scale.ts.net.',
  hostname: 'validator-1',
  addresses: ['127.0.0.1/32'],
  tags: ['tag:validator'],
};

interface Options {
  admission: MeshConfig['admission'];
  mode?: IdentityMode;
  tags?: string[];
  approve?: boolean;
  admissionUrl?: string;
  socketPath?: string;
}

async function start(options: Options) {
  const sovereign = newSigner();
  const localApi = await LocalApiStandIn.start(defer);
  localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
  const running = await startTestServer(defer, {
    config: {
      host: '127.0.0.1',
      sovereignKeys: [sovereign.publicKey],
      rateLimitBurst: 10_000,
      admission: options.admission,
      admissionUrl: options.admissionUrl,
      admissionIdentityApprove: options.approve ?? false,
      identity: {
        mode: options.mode ?? 'advisory',
        socketPath: options.socketPath ?? localApi.socketPath,
        tags: options.tags ?? [],
        tailnetPrefixes: ['127.0.0.0/8', '::1/128'],
        timeoutMs: 2_000,
      },
    },
  });
  const url = running.url;

  const call = (method: string, path: string, body?: unknown) => restCall(url, method, path, body, 'application/json');

  return {
    localApi,
    call,
    register: (fields: { hostname?: string; enrollmentKey?: string; signer?: Signer } = {}) =>
      call(
        'POST',
        '/register',
        signedRegister(
          fields.signer ?? newSigner(),
          {
            nodeId: 'validator-1',
            tailscaleHostname: fields.hostname ?? 'validator-1.tail-scale.ts.net',
            tailscaleIP: '127.0.0.1',
            ...(fields.enrollmentKey ? { enrollmentKey: fields.enrollmentKey } : {}),
          },
          { network },
        ),
      ),
    events: async (types: string) =>
      (await call('GET', `/events?types=${types}&limit=1000`)).body.events as Array<Record<string, any>>,
    keySecret: async () => {
      const created = await call(
        'POST',
        '/enrollment-keys',
        signedEnrollmentKeyCreate(sovereign, { expiresAt: Date.now() + 60_000, maxUses: 5 }, { network }),
      );
      expect(created.status).toBe(200);
      return { secret: created.body.secret as string, id: created.body.key.id as string, sovereign };
    },
  };
}

describe('the identity admission policy (MESH_ADMISSION=identity)', () => {
  it('lets a matching node wait for a sovereign, asking tailscaled once, and audits the verdict', async () => {
    const mesh = await start({ admission: ['identity'] });
    const answer = await mesh.register();
    expect(answer).toMatchObject({ status: 200, body: { status: 'pending' } });
    // One WhoIs serves MESH_IDENTITY's evidence and the policy alike.
    expect(mesh.localApi.requests).toHaveLength(1);
    expect((await mesh.call('GET', '/nodes/validator-1')).body.identity).toMatchObject({
      result: 'match',
      stableId: 'nK7xQ3CNTRL',
    });
    const [registered] = await mesh.events('node.registered');
    expect(registered?.admission).toEqual({
      outcome: 'pending',
      verdicts: [{ policy: 'identity', verdict: 'allow', reason: expect.stringMatching(/nK7xQ3CNTRL.*a sovereign decides/) }],
    });
  });

  it('refuses a mismatch with the code of the failed check, and records the refusal', async () => {
    const mesh = await start({ admission: ['identity'] });
    const refused = await mesh.register({ hostname: 'validator-9.tail-scale.ts.net' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('IDENTITY_HOSTNAME_MISMATCH');
    expect(refused.body.error.message).toMatch(/MESH_ADMISSION.*identity: mismatch IDENTITY_HOSTNAME_MISMATCH/);
    expect((await mesh.call('GET', '/nodes/validator-1')).status).toBe(404);
    const [event] = await mesh.events('admission.refused');
    expect(event).toMatchObject({ nodeId: 'validator-1', admission: { outcome: 'refused' } });
    expect(event?.admission.verdicts).toEqual([
      {
        policy: 'identity',
        verdict: 'refuse',
        reason: expect.stringMatching(/IDENTITY_HOSTNAME_MISMATCH \(tailnet node nK7xQ3CNTRL\)/),
      },
    ]);
  });

  it('refuses when tailscaled cannot be asked (never admits on an error)', async () => {
    const gone = await LocalApiStandIn.start(defer);
    const mesh = await start({ admission: ['identity'], socketPath: `${gone.socketPath}.missing` });
    const refused = await mesh.register();
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('IDENTITY_UNAVAILABLE');
    expect((await mesh.call('GET', '/nodes/validator-1')).status).toBe(404);
    const [event] = await mesh.events('admission.refused');
    expect(event?.admission.verdicts).toEqual([
      { policy: 'identity', verdict: 'refuse', reason: expect.stringMatching(/^error IDENTITY_UNAVAILABLE: /) },
    ]);
  });

  it('approves a tagged match at once under MESH_ADMISSION_IDENTITY_APPROVE, as admission:identity', async () => {
    const mesh = await start({ admission: ['identity'], tags: ['tag:validator'], approve: true });
    expect((await mesh.register()).body.status).toBe('active');
    const [approved] = await mesh.events('node.approved');
    expect(approved).toMatchObject({
      actor: 'admission:identity',
      admission: { outcome: 'approved', verdicts: [{ policy: 'identity', verdict: 'approve' }] },
    });
  });

  it('under MESH_IDENTITY=required, the identity check refuses a mismatch first; a match gets the policy verdict', async () => {
    const mesh = await start({ admission: ['identity'], mode: 'required' });
    const refused = await mesh.register({ hostname: 'validator-9.tail-scale.ts.net' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('IDENTITY_HOSTNAME_MISMATCH');
    const [checked] = await mesh.events('node.identity');
    expect(checked?.identity).toMatchObject({ decision: 'refused', evidence: { result: 'mismatch' } });

    expect((await mesh.register()).body.status).toBe('pending');
    expect(mesh.localApi.requests).toHaveLength(2);
    const [registered] = await mesh.events('node.registered');
    expect(registered?.admission.verdicts).toEqual([expect.objectContaining({ policy: 'identity', verdict: 'allow' })]);
  });

  it('never approves an untagged node under MESH_ADMISSION_IDENTITY_APPROVE', async () => {
    const mesh = await start({ admission: ['identity'], tags: ['tag:sequencer'], approve: true });
    const refused = await mesh.register();
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('IDENTITY_TAG_MISSING');
  });
});

describe('identity combined with enrollment keys (MESH_ADMISSION=identity,enrollment-key)', () => {
  it('approves a matching node through its key, refuses a mismatch without spending the key', async () => {
    const mesh = await start({ admission: ['identity', 'enrollment-key'] });
    const key = await mesh.keySecret();

    const refused = await mesh.register({ hostname: 'validator-9.tail-scale.ts.net', enrollmentKey: key.secret });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('IDENTITY_HOSTNAME_MISMATCH');
    const keys = await mesh.call('GET', '/enrollment-keys');
    expect(JSON.stringify(keys.body)).toMatch(/"uses":0/);

    const approved = await mesh.register({ enrollmentKey: key.secret });
    expect(approved.body.status).toBe('active');
    const [event] = await mesh.events('node.approved');
    expect(event).toMatchObject({ actor: key.sovereign.publicKey, admission: { outcome: 'approved' } });
    expect(
      event?.admission.verdicts.map((verdict: { policy: string; verdict: string }) => [verdict.policy, verdict.verdict]),
    ).toEqual([
      ['identity', 'allow'],
      ['enrollment-key', 'approve'],
    ]);
  });

  it('leaves a matching node without a key pending', async () => {
    const mesh = await start({ admission: ['identity', 'enrollment-key'] });
    expect((await mesh.register()).body.status).toBe('pending');
  });
});

describe('the http oracle receives the identity evidence', () => {
  it('posts the evidence MESH_IDENTITY took, after the identity policy allowed it', async () => {
    const oracle = await startOracle(defer, jsonAnswer({ allow: true, reason: 'staked' }));
    const mesh = await start({ admission: ['identity', 'http'], admissionUrl: oracle.url });
    expect((await mesh.register()).body.status).toBe('pending');
    expect(mesh.localApi.requests).toHaveLength(1);
    expect(oracle.questions).toHaveLength(1);
    expect(oracle.questions[0]?.identity).toEqual({
      result: 'match',
      code: null,
      reason: expect.stringContaining('nK7xQ3CNTRL') as unknown,
      peerAddress: '127.0.0.1',
      stableId: 'nK7xQ3CNTRL',
      nodeKey: expect.stringMatching(/^nodekey:/) as unknown,
      name: 'validator-1.tail-scale.ts.net.',
      tags: ['tag:validator'],
      user: 'tagged-devices',
      checkedAt: expect.any(Number) as unknown,
    });
  });

  it('posts a mismatch too when only the oracle judges (MESH_IDENTITY=advisory, MESH_ADMISSION=http)', async () => {
    const oracle = await startOracle(defer, jsonAnswer({ allow: true, reason: 'staked' }));
    const mesh = await start({ admission: ['http'], admissionUrl: oracle.url });
    expect((await mesh.register({ hostname: 'validator-9.tail-scale.ts.net' })).body.status).toBe('pending');
    expect(oracle.questions[0]?.identity).toMatchObject({ result: 'mismatch', code: 'IDENTITY_HOSTNAME_MISMATCH' });
  });
});
