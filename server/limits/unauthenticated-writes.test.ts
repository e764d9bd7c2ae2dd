import { describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { createContext } from '../context.js';
import { createCaller } from '../routers/_app.js';
import { newSigner } from '../testing/harness.js';
import { startTestServer, useCleanups } from '../testing/servers.js';

const defer = useCleanups();

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('unauthenticated writes, per source address', () => {
  it('are refused past the burst with 429 RATE_LIMITED and Retry-After, on REST and tRPC alike', async () => {
    const sovereign = newSigner();
    const running = await startTestServer(defer, {
      config: { rateLimitBurst: 3, rateLimitPerMinute: 1, sovereignKeys: [sovereign.publicKey] },
    });
    const registration = (nodeId: string) =>
      signedRegister(newSigner(), { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: 'tana' });
    for (const nodeId of ['a', 'b', 'c']) expect((await post(`${running.url}/register`, registration(nodeId))).status).toBe(200);

    const refused = await post(`${running.url}/register`, registration('d'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50); // a token a minute
    expect(await refused.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });

    const overTrpc = await post(`${running.url}/trpc/node.register`, { json: registration('e') });
    expect(overTrpc.status).toBe(429);
    expect(overTrpc.headers.get('retry-after')).not.toBeNull();
    expect(await overTrpc.json()).toMatchObject({ error: { json: { data: { meshCode: 'RATE_LIMITED' } } } });

    // A heartbeat of a node nobody approved is no better; a sovereign's decision is not limited.
    const ghost = signedHeartbeat(newSigner(), { nodeId: 'ghost' }, { network: 'tana' });
    expect((await post(`${running.url}/heartbeat`, ghost)).status).toBe(429);
    const a = running.mesh.registry.getNode('a');
    const approval = signedNodeDecision(
      sovereign,
      'approve',
      { nodeId: 'a', nodePublicKey: a?.public_key ?? '' },
      { network: 'tana' },
    );
    expect((await post(`${running.url}/approve/a`, approval)).status).toBe(200);
    expect(running.mesh.registry.getNode('d')).toBeUndefined();

    // The API document says so, for each path that may answer it.
    const document = (await (await fetch(`${running.url}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { responses: Record<string, { description: string; headers: object }> } }>;
    };
    for (const path of ['/register', '/heartbeat', '/approve/{nodeId}', '/sovereign/add']) {
      const tooMany = document.paths[path]?.post?.responses['429'];
      expect(tooMany?.description, path).toMatch(/RATE_LIMITED/);
      expect(tooMany?.headers, path).toHaveProperty('Retry-After');
    }
    expect(document.paths['/register']?.post?.responses['429']?.description).toMatch(/PENDING_FULL/);
  });

  it('never hold back the heartbeats of approved nodes, however many', async () => {
    const sovereign = newSigner();
    const running = await startTestServer(defer, {
      config: { rateLimitBurst: 1, rateLimitPerMinute: 1, sovereignKeys: [sovereign.publicKey] },
    });
    // Admitted in-process (no address, no limit), as they would have been over days.
    const api = createCaller(createContext(running.mesh));
    const nodes = Array.from({ length: 5 }, (_, index) => ({ nodeId: `v${index}`, signer: newSigner() }));
    for (const { nodeId, signer } of nodes) {
      await api.node.register(signedRegister(signer, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: 'tana' }));
      await api.sovereign.approve(
        signedNodeDecision(sovereign, 'approve', { nodeId, nodePublicKey: signer.publicKey }, { network: 'tana' }),
      );
    }
    // Spend the address's one token: the next unauthenticated write from it would be refused.
    const ghost = () => signedHeartbeat(newSigner(), { nodeId: 'ghost' }, { network: 'tana' });
    expect((await post(`${running.url}/heartbeat`, ghost())).status).toBe(404);
    expect((await post(`${running.url}/heartbeat`, ghost())).status).toBe(429);
    for (let round = 0; round < 4; round++) {
      for (const { nodeId, signer } of nodes) {
        const beat = await post(`${running.url}/heartbeat`, signedHeartbeat(signer, { nodeId }, { network: 'tana' }));
        expect(beat.status).toBe(200);
      }
    }
  });
});
