import { describe, expect, it } from 'vitest';
import { signedHeartbeat, signedRegister } from '../../client/signed-requests.js';
import type { MeshEvent } from '../../shared/events.js';
import type { IdentityMode } from '../../shared/identity.js';
import type { Signer } from '../../client/signer.js';
import { runMesh } from '../../client/testing/processes.js';
import { newSigner } from '../testing/harness.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { LocalApiStandIn, whoIsFixture, type WhoIsNodeFixture } from './testing/local-api.js';

const defer = useCleanups();
const NETWORK = 'tana';
const LOOPBACK_PREFIXES = ['127.0.0.0/8', '::1/128'];

const validator: WhoIsNodeFixture = {
  stableId: 'nK7xQ3CNTRL',
  name: 'validator-1.tail-scale.ts.net.',
  hostname: 'validator-1',
  addresses: ['127.0.0.1/32', 'fd7a:115c:a1e0::5/128'],
  tags: ['tag:validator'],
};

/** A mesh on loopback whose identity check asks a LocalAPI stand-in, on `host` (127.0.0.1 or ::1). */
async function start(mode: IdentityMode, options: { tags?: string[]; timeoutMs?: number; host?: string } = {}) {
  const localApi = await LocalApiStandIn.start(defer);
  const running = await startTestServer(defer, {
    config: {
      host: options.host ?? '127.0.0.1',
      identity: {
        mode,
        socketPath: localApi.socketPath,
        tags: options.tags ?? [],
        tailnetPrefixes: LOOPBACK_PREFIXES,
        timeoutMs: options.timeoutMs ?? 2_000,
      },
    },
  });
  return { localApi, url: running.url };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Registers over real HTTP (the TCP peer address is the real one), as curl would. */
function register(
  url: string,
  fields: { nodeId?: string; hostname?: string; ip?: string | null; signer?: Signer; headers?: Record<string, string> } = {},
) {
  const body = signedRegister(
    fields.signer ?? newSigner(),
    {
      nodeId: fields.nodeId ?? 'validator-1',
      tailscaleHostname: fields.hostname ?? 'validator-1.tail-scale.ts.net',
      tailscaleIP: fields.ip === undefined ? '127.0.0.1' : fields.ip,
    },
    { network: NETWORK },
  );
  return post(`${url}/register`, body, fields.headers);
}

async function nodeDetail(url: string, nodeId: string) {
  const response = await fetch(`${url}/nodes/${nodeId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function identityOf(url: string, nodeId: string) {
  const detail = await nodeDetail(url, nodeId);
  expect(detail.status).toBe(200);
  return detail.body.identity as Record<string, unknown> | null;
}

async function events(url: string, types: string): Promise<MeshEvent[]> {
  const response = await fetch(`${url}/events?types=${types}&limit=1000`, { headers: { accept: 'application/json' } });
  return ((await response.json()) as { events: MeshEvent[] }).events;
}

const errorCode = (body: Record<string, unknown>) => (body.error as { code: string }).code;

describe('a registration checked against tailscaled (MESH_IDENTITY)', () => {
  it('records a match with its evidence, keeps the node pending, and audits the check', async () => {
    const { localApi, url } = await start('advisory');
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });

    const answer = await register(url);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('pending');
    expect(answer.body.message).toContain('Tailscale identity: match');

    // Asked over the socket with LocalAPI's Host header, about the TCP peer address and port.
    expect(localApi.requests).toHaveLength(1);
    expect(localApi.requests[0]?.host).toBe('local-tailscaled.sock');
    expect(localApi.requests[0]?.path).toBe('/localapi/v0/whois');
    expect(localApi.requests[0]?.addr).toMatch(/^127\.0\.0\.1:\d+$/);

    const detail = await nodeDetail(url, 'validator-1');
    expect(detail.body.status).toBe('pending');
    expect(detail.body.tailscale_hostname).toBe('validator-1.tail-scale.ts.net');
    expect(detail.body.identity).toMatchObject({
      result: 'match',
      code: null,
      peerAddress: '127.0.0.1',
      stableId: 'nK7xQ3CNTRL',
      nodeKey: expect.stringMatching(/^nodekey:[0-9a-f]{64}$/) as unknown,
      name: 'validator-1.tail-scale.ts.net.',
      tags: ['tag:validator'],
      user: 'tagged-devices',
      checkedAt: expect.any(Number) as unknown,
    });

    const [checked] = await events(url, 'node.identity');
    expect(checked?.nodeId).toBe('validator-1');
    expect(checked?.identity).toMatchObject({ decision: 'recorded', request: 'register', evidence: { result: 'match' } });
  });

  it('shows no identity when MESH_IDENTITY is off, and never asks', async () => {
    const { localApi, url } = await start('off');
    expect((await register(url)).status).toBe(200);
    expect(await identityOf(url, 'validator-1')).toBeNull();
    expect(localApi.requests).toHaveLength(0);
  });

  it('a wrong hostname: advisory records the mismatch, required refuses with 403 IDENTITY_HOSTNAME_MISMATCH', async () => {
    const advisory = await start('advisory');
    advisory.localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    const kept = await register(advisory.url, { hostname: 'validator-9.tail-scale.ts.net' });
    expect(kept.status).toBe(200);
    expect(kept.body.status).toBe('pending');
    expect(await identityOf(advisory.url, 'validator-1')).toMatchObject({
      result: 'mismatch',
      code: 'IDENTITY_HOSTNAME_MISMATCH',
      stableId: 'nK7xQ3CNTRL',
    });

    const required = await start('required');
    required.localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    const refused = await register(required.url, { hostname: 'validator-9.tail-scale.ts.net' });
    expect(refused.status).toBe(403);
    expect(errorCode(refused.body)).toBe('IDENTITY_HOSTNAME_MISMATCH');
    expect((await nodeDetail(required.url, 'validator-1')).status).toBe(404);
    const [audit] = await events(required.url, 'node.identity');
    expect(audit?.nodeId).toBe('validator-1');
    expect(audit?.node).toBeNull();
    expect(audit?.identity).toMatchObject({ decision: 'refused', evidence: { code: 'IDENTITY_HOSTNAME_MISMATCH' } });
  });

  it('takes the FQDN with or without its trailing dot, in any case, or Hostinfo.Hostname; not the first label alone', async () => {
    const { localApi, url } = await start('required');
    localApi.answer('127.0.0.1', {
      kind: 'whois',
      body: whoIsFixture({ ...validator, hostname: 'validator-1-host' }),
    });
    for (const [nodeId, hostname] of [
      ['dotted', 'validator-1.tail-scale.ts.net.'],
      ['upper', 'VALIDATOR-1.Tail-Scale.TS.NET'],
      ['os-hostname', 'Validator-1-Host'],
    ] as const) {
      const answer = await register(url, { nodeId, hostname });
      expect(answer.status, hostname).toBe(200);
      expect(await identityOf(url, nodeId)).toMatchObject({ result: 'match' });
    }
    const label = await register(url, { nodeId: 'label', hostname: 'validator-1' });
    expect(label.status).toBe(403);
    expect(errorCode(label.body)).toBe('IDENTITY_HOSTNAME_MISMATCH');
  });

  it('a wrong IP: a claim other than the peer address, or a peer address WhoIs does not list, is IDENTITY_IP_MISMATCH', async () => {
    const { localApi, url } = await start('required');
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    const claimedOther = await register(url, { ip: '127.0.0.2' });
    expect(claimedOther.status).toBe(403);
    expect(errorCode(claimedOther.body)).toBe('IDENTITY_IP_MISMATCH');
    const claimedNone = await register(url, { ip: null });
    expect(errorCode(claimedNone.body)).toBe('IDENTITY_IP_MISMATCH');

    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, addresses: ['100.64.0.5/32'] }) });
    const notListed = await register(url);
    expect(notListed.status).toBe(403);
    expect(errorCode(notListed.body)).toBe('IDENTITY_IP_MISMATCH');
    expect((notListed.body.error as { message: string }).message).toContain('100.64.0.5/32');
  });

  it('a peer outside MESH_TAILNET_PREFIXES is refused without asking tailscaled', async () => {
    const localApi = await LocalApiStandIn.start(defer);
    const running = await startTestServer(defer, {
      config: {
        identity: {
          mode: 'required',
          socketPath: localApi.socketPath,
          tags: [],
          tailnetPrefixes: ['100.64.0.0/10'],
          timeoutMs: 2_000,
        },
      },
    });
    const refused = await register(running.url);
    expect(refused.status).toBe(403);
    expect(errorCode(refused.body)).toBe('IDENTITY_NOT_IN_TAILNET');
    expect(localApi.requests).toHaveLength(0);
  });

  it('MESH_IDENTITY_TAGS: an untagged node is IDENTITY_TAG_MISSING, a tagged one matches', async () => {
    const { localApi, url } = await start('required', { tags: ['tag:validator', 'tag:sentry'] });
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, tags: [] }) });
    const untagged = await register(url);
    expect(untagged.status).toBe(403);
    expect(errorCode(untagged.body)).toBe('IDENTITY_TAG_MISSING');

    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, tags: ['tag:web'] }) });
    expect(errorCode((await register(url)).body)).toBe('IDENTITY_TAG_MISSING');

    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, tags: ['tag:sentry'] }) });
    expect((await register(url)).status).toBe(200);
    expect(await identityOf(url, 'validator-1')).toMatchObject({ result: 'match', tags: ['tag:sentry'] });
  });

  it('an unauthorized machine (MachineAuthorized false, so absent) is IDENTITY_MACHINE_UNAUTHORIZED', async () => {
    const { localApi, url } = await start('required');
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, authorized: false }) });
    const refused = await register(url);
    expect(refused.status).toBe(403);
    expect(errorCode(refused.body)).toBe('IDENTITY_MACHINE_UNAUTHORIZED');
  });

  describe('failing to ask: advisory leaves the node pending with the reason, required refuses', () => {
    const failures = [
      { name: '404 (no tailnet node there)', answer: null, reason: /404/ },
      { name: '403 (access denied)', answer: { kind: 'status', status: 403, body: 'whois access denied' }, reason: /403/ },
      { name: 'malformed JSON', answer: { kind: 'raw', body: '{"Node": {"StableID": ' }, reason: /not JSON/ },
      { name: 'JSON that is no WhoIsResponse', answer: { kind: 'raw', body: '{"Node": null}' }, reason: /not a WhoIsResponse/ },
      { name: 'a timeout', answer: { kind: 'hang' }, reason: /did not answer WhoIs within 200 ms/ },
    ] as const;

    for (const failure of failures) {
      it(failure.name, async () => {
        const advisory = await start('advisory', { timeoutMs: 200 });
        if (failure.answer) advisory.localApi.answer('127.0.0.1', failure.answer);
        const kept = await register(advisory.url);
        expect(kept.status).toBe(200);
        expect(kept.body.status).toBe('pending');
        const evidence = await identityOf(advisory.url, 'validator-1');
        expect(evidence).toMatchObject({ result: 'error', code: 'IDENTITY_UNAVAILABLE', stableId: null });
        expect(evidence?.reason).toMatch(failure.reason);

        const required = await start('required', { timeoutMs: 200 });
        if (failure.answer) required.localApi.answer('127.0.0.1', failure.answer);
        const refused = await register(required.url);
        expect(refused.status).toBe(403);
        expect(errorCode(refused.body)).toBe('IDENTITY_UNAVAILABLE');
        expect((refused.body.error as { message: string }).message).toMatch(failure.reason);
      });
    }

    it('a missing socket', async () => {
      const running = await startTestServer(defer, {
        config: {
          identity: {
            mode: 'required',
            socketPath: '/nonexistent/tailscaled.sock',
            tags: [],
            tailnetPrefixes: LOOPBACK_PREFIXES,
            timeoutMs: 2_000,
          },
        },
      });
      const refused = await register(running.url);
      expect(refused.status).toBe(403);
      expect(errorCode(refused.body)).toBe('IDENTITY_UNAVAILABLE');
      expect((refused.body.error as { message: string }).message).toContain('ENOENT');
    });
  });

  it('checks an IPv6 peer address', async () => {
    const { localApi, url } = await start('required', { host: '::1' });
    localApi.answer('::1', { kind: 'whois', body: whoIsFixture({ ...validator, addresses: ['127.0.0.9/32', '::1/128'] }) });
    const answer = await register(url, { ip: '0:0:0:0:0:0:0:1' });
    expect(answer.status).toBe(200);
    expect(localApi.requests[0]?.addr).toMatch(/^\[::1\]:\d+$/);
    expect(await identityOf(url, 'validator-1')).toMatchObject({ result: 'match', peerAddress: '::1' });
  });

  it('ignores X-Forwarded-For: tailscaled is asked about the TCP peer, not the header', async () => {
    const { localApi, url } = await start('required');
    // The real peer is a tailnet node too, but not the one claimed; were the header believed, the claim would match.
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, stableId: 'nSp00fCNTRL' }) });
    localApi.answer('100.64.0.5', { kind: 'whois', body: whoIsFixture({ ...validator, addresses: ['100.64.0.5/32'] }) });
    const spoofed = await register(url, {
      ip: '100.64.0.5',
      headers: { 'x-forwarded-for': '100.64.0.5', forwarded: 'for=100.64.0.5' },
    });
    expect(spoofed.status).toBe(403);
    expect(errorCode(spoofed.body)).toBe('IDENTITY_IP_MISMATCH');
    expect(localApi.requests.map((request) => request.addr)).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
  });

  it('raises node.identity-changed when an address answers as another Tailscale node than at its last check', async () => {
    const { localApi, url } = await start('advisory');
    const signer = newSigner();
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    expect((await register(url, { signer })).status).toBe(200);
    expect(await events(url, 'node.identity-changed')).toEqual([]);

    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture({ ...validator, stableId: 'nR3plAc3dCNTRL' }) });
    expect((await register(url, { signer })).status).toBe(200);
    const [changed] = await events(url, 'node.identity-changed');
    expect(changed?.nodeId).toBe('validator-1');
    expect(changed?.identityChange).toEqual({
      peerAddress: '127.0.0.1',
      previousStableId: 'nK7xQ3CNTRL',
      stableId: 'nR3plAc3dCNTRL',
      previousNodeId: 'validator-1',
    });
    expect(await identityOf(url, 'validator-1')).toMatchObject({ stableId: 'nR3plAc3dCNTRL' });

    // Another mesh node on the same address, as the same Tailscale node: no change.
    expect((await register(url, { nodeId: 'validator-2' })).status).toBe(200);
    expect(await events(url, 'node.identity-changed')).toHaveLength(1);
  });

  it('checks a heartbeat that moves the node to another IP; required refuses it and keeps the IP on record', async () => {
    const { localApi, url } = await start('required');
    const signer = newSigner();
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    expect((await register(url, { signer })).status).toBe(200);
    expect(localApi.requests).toHaveLength(1);

    // Same IP: no question asked.
    const same = await post(
      `${url}/heartbeat`,
      signedHeartbeat(signer, { nodeId: 'validator-1', tailscaleIP: '127.0.0.1' }, { network: NETWORK }),
    );
    expect(same.status).toBe(200);
    expect(localApi.requests).toHaveLength(1);

    const moved = await post(
      `${url}/heartbeat`,
      signedHeartbeat(signer, { nodeId: 'validator-1', tailscaleIP: '127.0.0.2' }, { network: NETWORK }),
    );
    expect(moved.status).toBe(403);
    expect(errorCode(moved.body)).toBe('IDENTITY_IP_MISMATCH');
    expect(localApi.requests).toHaveLength(2);
    expect((await nodeDetail(url, 'validator-1')).body.tailscale_ip).toBe('127.0.0.1');
    const audit = await events(url, 'node.identity');
    expect(audit.at(-1)?.identity).toMatchObject({ decision: 'refused', request: 'heartbeat' });
  });

  it('does not ask about a replayed heartbeat: its batch refuses it', async () => {
    const { localApi, url } = await start('advisory');
    const signer = newSigner();
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    expect((await register(url, { signer })).status).toBe(200);
    const away = signedHeartbeat(signer, { nodeId: 'validator-1', tailscaleIP: '127.0.0.2' }, { network: NETWORK });
    expect((await post(`${url}/heartbeat`, away)).status).toBe(200);
    const back = signedHeartbeat(signer, { nodeId: 'validator-1', tailscaleIP: '127.0.0.1' }, { network: NETWORK });
    expect((await post(`${url}/heartbeat`, back)).status).toBe(200);
    expect(localApi.requests).toHaveLength(3);

    const replayed = await post(`${url}/heartbeat`, away);
    expect(replayed.status).toBe(401);
    expect(errorCode(replayed.body)).toBe('REPLAYED_TIMESTAMP');
    expect(localApi.requests).toHaveLength(3);
  });

  it('advisory keeps the evidence of a heartbeat that moved the node', async () => {
    const { localApi, url } = await start('advisory');
    const signer = newSigner();
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    // Registered claiming an address it did not come from: recorded as a mismatch.
    expect((await register(url, { signer, ip: '127.0.0.2' })).status).toBe(200);
    expect(await identityOf(url, 'validator-1')).toMatchObject({ result: 'mismatch', code: 'IDENTITY_IP_MISMATCH' });

    const moved = await post(
      `${url}/heartbeat`,
      signedHeartbeat(signer, { nodeId: 'validator-1', tailscaleIP: '127.0.0.1' }, { network: NETWORK }),
    );
    expect(moved.status).toBe(200);
    const detail = await nodeDetail(url, 'validator-1');
    expect(detail.body.tailscale_ip).toBe('127.0.0.1');
    expect(detail.body.identity).toMatchObject({ result: 'match' });
    expect((await events(url, 'node.identity')).at(-1)?.identity).toMatchObject({ decision: 'recorded', request: 'heartbeat' });
  });
});

describe('the CLI shows the evidence', () => {
  it('mesh node and mesh pending print what tailscaled said', async () => {
    const { localApi, url } = await start('advisory');
    localApi.answer('127.0.0.1', { kind: 'whois', body: whoIsFixture(validator) });
    expect((await register(url)).status).toBe(200);
    expect((await register(url, { nodeId: 'validator-2', hostname: 'validator-9.tail-scale.ts.net' })).status).toBe(200);

    const env = { MESH_URL: url, NO_COLOR: '1' };
    const [node, pending] = await Promise.all([runMesh(['node', 'validator-1'], { env }), runMesh(['pending'], { env })]);
    expect(node.code).toBe(0);
    expect(node.stdout).toMatch(/^identity$/m);
    expect(node.stdout).toMatch(/result\s+match$/m);
    expect(node.stdout).toMatch(/stable id\s+nK7xQ3CNTRL$/m);
    expect(node.stdout).toMatch(/node key\s+nodekey:[0-9a-f]{64}$/m);
    expect(node.stdout).toMatch(/tags\s+tag:validator$/m);
    expect(node.stdout).toMatch(/user\s+tagged-devices$/m);

    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/^NODE\s+IDENTITY\s+STABLE ID\s+TAGS\s+USER\s+REASON$/m);
    expect(pending.stdout).toMatch(/^validator-1\s+match\s+nK7xQ3CNTRL\s+tag:validator\s+tagged-devices\s/m);
    expect(pending.stdout).toMatch(/^validator-2\s+mismatch \(IDENTITY_HOSTNAME_MISMATCH\)\s+nK7xQ3CNTRL\s.*validator-9/m);
  });
});
