import { createTRPCClient, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { createMeshClient } from '../client/client.js';
import { signedRegister, signedSetRegion, type Registration } from '../client/signed-requests.js';
import type { Signer } from '../client/signer.js';
import type { AppRouter } from './routers/_app.js';
import { newSigner } from './testing/harness.js';
import { startTestServer, useCleanups } from './testing/servers.js';

// Regions end to end: a mesh-v2 registration over real HTTP, the node views and the region filter.

const defer = useCleanups();

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function register(url: string, signer: Signer, registration: Registration): Promise<Response> {
  return post(`${url}/register`, signedRegister(signer, registration, { network: 'tana' }));
}

describe('regions', () => {
  it('stores a signed region and zone, shows them in the views and filters GET /nodes by region', async () => {
    const running = await startTestServer(defer);
    const west = newSigner();
    expect(
      (await register(running.url, west, { nodeId: 'w1', tailscaleHostname: 'w1.ts.net', region: 'eu-west', zone: 'eu-west-1a' }))
        .status,
    ).toBe(200);
    expect(
      (await register(running.url, newSigner(), { nodeId: 'e1', tailscaleHostname: 'e1.ts.net', region: 'us-east' })).status,
    ).toBe(200);
    expect((await register(running.url, newSigner(), { nodeId: 'n1', tailscaleHostname: 'n1.ts.net' })).status).toBe(200);

    const detail = (await (await fetch(`${running.url}/nodes/w1`)).json()) as { region: string | null; zone: string | null };
    expect([detail.region, detail.zone]).toEqual(['eu-west', 'eu-west-1a']);
    const all = (await (await fetch(`${running.url}/nodes`)).json()) as {
      nodes: Array<{ id: string; region: string | null; zone: string | null }>;
    };
    expect(all.nodes.map((node) => [node.id, node.region, node.zone])).toEqual([
      ['e1', 'us-east', null],
      ['n1', null, null],
      ['w1', 'eu-west', 'eu-west-1a'],
    ]);
    const west1 = (await (await fetch(`${running.url}/nodes?region=eu-west`)).json()) as { nodes: Array<{ id: string }> };
    expect(west1.nodes.map((node) => node.id)).toEqual(['w1']);

    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${running.url}/trpc`, transformer: superjson })] });
    const east = await client.node.list.query({ region: 'us-east' });
    expect(east.nodes.map((node) => node.id)).toEqual(['e1']);
  });

  it('refuses a region changed after signing, and a region that is not a lowercase token', async () => {
    const running = await startTestServer(defer);
    const signed = signedRegister(
      newSigner(),
      { nodeId: 'w1', tailscaleHostname: 'w1.ts.net', region: 'eu-west' },
      { network: 'tana' },
    );
    expect((await post(`${running.url}/register`, { ...signed, region: 'us-east' })).status).toBe(401);
    // Dropping the region turns the request into a mesh-v1 one, whose message the node never signed.
    expect((await post(`${running.url}/register`, { ...signed, region: undefined })).status).toBe(401);

    const invalid = await post(`${running.url}/register`, { ...signed, region: 'EU West' });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toMatch(/region/);
    expect((await fetch(`${running.url}/nodes?region=EU`)).status).toBe(400);
  });

  it('keeps the region on a mesh-v1 re-registration and replaces it on a mesh-v2 one', async () => {
    const running = await startTestServer(defer);
    const node = newSigner();
    const base = { nodeId: 'w1', tailscaleHostname: 'w1.ts.net' };
    await register(running.url, node, { ...base, region: 'eu-west', zone: 'eu-west-1a' });
    const regionOf = async () => {
      const view = (await (await fetch(`${running.url}/nodes/w1`)).json()) as { region: string | null; zone: string | null };
      return [view.region, view.zone];
    };

    expect((await register(running.url, node, { ...base, tailscaleIP: '100.64.0.9' })).status).toBe(200);
    expect(await regionOf()).toEqual(['eu-west', 'eu-west-1a']);

    expect((await register(running.url, node, { ...base, region: 'eu-north' })).status).toBe(200);
    expect(await regionOf()).toEqual(['eu-north', null]);
  });

  it("lets a sovereign set and correct a node's region over REST and the SDK, with a node.updated event", async () => {
    const sovereign = newSigner();
    const running = await startTestServer(defer, { config: { sovereignKeys: [sovereign.publicKey] } });
    const node = newSigner();
    await register(running.url, node, { nodeId: 'w1', tailscaleHostname: 'w1.ts.net', region: 'eu-wset' });
    const view = async () =>
      (await (await fetch(`${running.url}/nodes/w1`)).json()) as { region: string | null; zone: string | null };
    const target = { nodeId: 'w1', nodePublicKey: node.publicKey, region: 'eu-west', zone: 'eu-west-1a' };

    const corrected = await post(`${running.url}/region/w1`, signedSetRegion(sovereign, target, { network: 'tana' }));
    expect(corrected.status).toBe(200);
    expect(await view()).toMatchObject({ region: 'eu-west', zone: 'eu-west-1a' });

    const tampered = { ...signedSetRegion(sovereign, target, { network: 'tana' }), region: 'us-east' };
    expect((await post(`${running.url}/region/w1`, tampered)).status).toBe(401);
    const stranger = newSigner();
    expect((await post(`${running.url}/region/w1`, signedSetRegion(stranger, target, { network: 'tana' }))).status).toBe(403);
    expect(await view()).toMatchObject({ region: 'eu-west', zone: 'eu-west-1a' });

    const client = createMeshClient({ url: running.url });
    expect((await client.setRegion(sovereign, 'w1', { region: 'eu-north' })).nodeId).toBe('w1');
    expect(await view()).toMatchObject({ region: 'eu-north', zone: null });

    const events = (await (
      await fetch(`${running.url}/events?types=node.updated`, { headers: { accept: 'application/json' } })
    ).json()) as {
      events: Array<{ actor: string; node: { region: string | null } }>;
    };
    expect(events.events.map((event) => [event.actor, event.node.region])).toEqual([
      [sovereign.publicKey, 'eu-west'],
      [sovereign.publicKey, 'eu-north'],
    ]);
  });
});
