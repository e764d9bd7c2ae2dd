import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../client/signed-requests.js';
import type { Signer } from '../client/signer.js';
import { startMesh, type RunningMesh } from './app.js';
import { silentLogger } from './log.js';
import type { AppRouter } from './routers/_app.js';
import { newSigner, testConfig } from './testing/harness.js';

// The typed tRPC client against a real HTTP server: what a TypeScript validator uses.

let running: RunningMesh;
let sovereign: Signer;
let client: ReturnType<typeof createTRPCClient<AppRouter>>;

beforeAll(async () => {
  sovereign = newSigner();
  running = await startMesh(testConfig({ port: 0, host: '127.0.0.1', sovereignKeys: [sovereign.publicKey] }), {
    logger: silentLogger,
  });
  client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${running.url}/trpc`, transformer: superjson })] });
});
afterAll(() => running.close());

describe('tRPC over HTTP', () => {
  it('runs the workflow with typed calls', async () => {
    const { network } = await client.info.query();
    const node = newSigner();
    const registered = await client.node.register.mutate(
      signedRegister(node, { nodeId: 'v1', tailscaleHostname: 'v1.ts.net', services: [{ type: 't4', port: 8180 }] }, { network }),
    );
    expect(registered.status).toBe('pending');
    await client.sovereign.approve.mutate(
      signedNodeDecision(sovereign, 'approve', { nodeId: 'v1', nodePublicKey: node.publicKey }, { network }),
    );
    const beat = await client.health.heartbeat.mutate(signedHeartbeat(node, { nodeId: 'v1' }, { network }));
    expect(beat.status).toBe('active');
    const { nodes } = await client.node.list.query({ status: 'active', service: 't4' });
    expect(nodes.map((n) => [n.id, n.status, n.last_heartbeat])).toEqual([['v1', 'active', beat.receivedAt]]);
    expect((await client.node.topology.query()).counts.active).toBe(1);
  });

  it('surfaces mesh error codes and statuses, without a stack', async () => {
    const error = await client.node.get.query({ nodeId: 'ghost' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data;
    expect(data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, meshCode: 'NODE_NOT_FOUND' });
    expect(data).not.toHaveProperty('stack');

    const invalid = await client.node.list.query({ status: 'asleep' as 'active' }).catch((e: unknown) => e);
    expect((invalid as TRPCClientError<AppRouter>).data).toMatchObject({ httpStatus: 400, meshCode: 'INVALID_INPUT' });
    expect((invalid as Error).message).toMatch(/^invalid input: status:/);
  });

  it('answers 413 to a body over 64 KiB on /trpc', async () => {
    const response = await fetch(`${running.url}/trpc/node.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { padding: 'x'.repeat(70 * 1024) } }),
    });
    expect(response.status).toBe(413);
  });

  it('serves batched calls (through the standard adapter) with the same answers as single ones', async () => {
    const batching = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${running.url}/trpc`, transformer: superjson })],
    });
    const [info, topology, missing] = await Promise.allSettled([
      batching.info.query(),
      batching.node.topology.query(),
      batching.node.get.query({ nodeId: 'ghost' }),
    ]);
    expect(info).toMatchObject({ status: 'fulfilled', value: { network: 'tana' } });
    expect(topology).toEqual({ status: 'fulfilled', value: await client.node.topology.query() });
    expect(missing.status === 'rejected' && (missing.reason as TRPCClientError<AppRouter>).data).toMatchObject({
      meshCode: 'NODE_NOT_FOUND',
    });
  });

  it('answers malformed tRPC requests with tRPC errors, never a 500', async () => {
    const post = (path: string, body: string) =>
      fetch(`${running.url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const parse = await post('health.heartbeat', '{"json":');
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ error: { json: { data: { code: 'PARSE_ERROR', httpStatus: 400 } } } });
    expect((await post('no.such.procedure', '{}')).status).toBe(404);
    const badMeta = await post('health.heartbeat', JSON.stringify({ json: { a: 1 }, meta: { values: { a: ['bogus'] } } }));
    expect(badMeta.status).toBe(400);
    expect(await badMeta.json()).toMatchObject({ error: { json: { data: { code: 'PARSE_ERROR' } } } });
    // A query asked with POST is tRPC's business: the standard adapter refuses it.
    expect((await post('node.list', '{}')).status).toBe(405);
    const get = await fetch(
      `${running.url}/trpc/node.get?input=${encodeURIComponent(JSON.stringify({ json: { nodeId: 'bad id' } }))}`,
    );
    expect(get.status).toBe(400);
  });
});
