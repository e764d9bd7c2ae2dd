import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpBatchLink, type TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { signedRegister } from '../../client/signed-requests.js';
import { MAX_BATCH_ANSWER_BYTES, MAX_BATCH_CALLS } from '../../shared/limits.js';
import { createContext } from '../context.js';
import { appRouter, type AppRouter } from '../routers/_app.js';
import { createTestMesh, newSigner } from '../testing/harness.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { createTrpcHandler, trpcInternals } from './trpc-handler.js';

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('the tRPC internals the fast path reads', () => {
  it('come from exactly the pinned @trpc/server, so an upgrade is a deliberate change', () => {
    const installed = (require('@trpc/server/package.json') as { version: string }).version;
    expect(manifest.dependencies['@trpc/server']).toBe(installed);
    expect(manifest.dependencies['@trpc/client']).toBe(installed);
  });

  it('still have the shape the fast path expects: a transformer and every procedure by dotted path', () => {
    const { config, procedures } = trpcInternals(appRouter);
    const payload = { at: new Date(0), list: [1n] };
    expect(config.transformer.input.deserialize(config.transformer.output.serialize(payload))).toEqual(payload);
    const types = Object.fromEntries(Object.entries(procedures).map(([path, procedure]) => [path, procedure?._def.type]));
    expect(types).toMatchObject({
      info: 'query',
      'node.register': 'mutation',
      'node.list': 'query',
      'health.heartbeat': 'mutation',
      'events.watch': 'subscription',
    });
  });

  it('refuses a router whose internals moved, with a message that says so', () => {
    const moved = { _def: { _config: {}, procedures: {} } } as unknown as typeof appRouter;
    expect(() => trpcInternals(moved)).toThrow(/tRPC internals changed/);
  });
});

const defer = useCleanups();

describe('batches on the fast path', () => {
  /** The fast path alone on a server of its own, with a small answer bound; anything it hands on is a 501. */
  async function fastPath(maxAnswerBytes: number) {
    const t = await createTestMesh();
    defer(() => t.mesh.close());
    for (const nodeId of ['a', 'b', 'c']) {
      await t.api.node.register(signedRegister(newSigner(t.clock), { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, t));
    }
    const handler = createTrpcHandler({
      basePath: '/trpc/',
      createContext: () => createContext(t.mesh, { transport: 'trpc-http' }),
      onError: () => {},
      fallback: (_req, res) => {
        res.statusCode = 501;
        res.end();
      },
      maxBatchSize: MAX_BATCH_CALLS,
      maxAnswerBytes,
    });
    const server = createServer((req, res) => handler(req, res, new URL(req.url ?? '/', 'http://mesh.invalid')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => server.close(resolve)));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
  }

  it("serves the typed client's batched queries in tRPC's wire format", async () => {
    const url = await fastPath(MAX_BATCH_ANSWER_BYTES);
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url, transformer: superjson })] });
    const [info, list, missing] = await Promise.all([
      client.info.query(),
      client.node.list.query({ status: 'pending' }),
      client.node.get.query({ nodeId: 'ghost' }).catch((error: unknown) => error),
    ]);
    expect(info.network).toBe('tana');
    expect(list.nodes.map((node) => node.id)).toEqual(['a', 'b', 'c']);
    expect((missing as TRPCClientError<AppRouter>).data).toMatchObject({ meshCode: 'NODE_NOT_FOUND', httpStatus: 404 });
  });

  it('refuses the rest of a batch once its answer reaches the bound, without running it', async () => {
    const one = await (await fetch(`${await fastPath(MAX_BATCH_ANSWER_BYTES)}/node.list`)).text();
    const url = await fastPath(Math.round(one.length * 1.5));
    const response = await fetch(`${url}/node.list,node.list,info?batch=1`);
    expect(response.status).toBe(207);
    const answers = (await response.json()) as Array<{ result?: unknown; error?: { json: { data: { meshCode: string } } } }>;
    expect(answers[0]?.result).toBeDefined();
    expect(answers.slice(1).map((answer) => answer.error?.json.data.meshCode)).toEqual(['ANSWER_TOO_LARGE', 'ANSWER_TOO_LARGE']);
  });

  it(`answers a batch of more than ${MAX_BATCH_CALLS} calls with one 400, through mesh's own server`, async () => {
    const running = await startTestServer(defer);
    // The request that once came back as 57 MB: 150 lists in 1.5 KB of URL.
    const paths = Array.from({ length: 150 }, () => 'node.list').join(',');
    const response = await fetch(`${running.url}/trpc/${paths}?batch=1`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { json: { message: string; data: { meshCode: string } } } };
    expect(body.error.json).toMatchObject({ message: `a batch carries at most ${MAX_BATCH_CALLS} calls, this one 150` });
    // Batches the fast path hands to tRPC's adapter (mutations) have the same bound there.
    const mutations = Array.from({ length: MAX_BATCH_CALLS + 1 }, () => 'node.register').join(',');
    const posted = await fetch(`${running.url}/trpc/${mutations}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(posted.status).toBe(400);
    expect(await posted.text()).toMatch(/Batch call exceeds maximum size/);
  });
});
