import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { MAX_BATCH_CALLS, WS_MAX_SUBSCRIPTIONS } from '../../shared/limits.js';
import { Arrivals, waitUntil } from '../../shared/testing/wait.js';
import type { RunningMesh } from '../app.js';
import { appendEvents } from '../events/log.js';
import { bulkyNodeView, writeBulkyBacklog } from '../testing/fixtures.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { writeAndPublish } from '../write.js';

const defer = useCleanups();

interface Reply {
  id: number | string | null;
  result?: { type: string; data?: unknown };
  error?: { json: { message: string; data: { meshCode: string; httpStatus: number } } };
}

/** A WebSocket speaking tRPC's wire format by hand, as a script (or a hostile page) would. */
async function connect(running: RunningMesh, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${running.url.replace(/^http/, 'ws')}/trpc`, { headers });
  defer(() => socket.terminate());
  const replies = new Arrivals<Reply>();
  socket.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    if (text !== 'PING') replies.push(JSON.parse(text) as Reply);
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  const subscribe = (id: number, input: Record<string, unknown> = {}) =>
    send({ id, method: 'subscription', params: { path: 'events.watch', input: { json: input } } });
  return { socket, replies, closed, send, subscribe };
}

async function refusals(running: RunningMesh, code: string): Promise<number> {
  const counter = running.mesh.metrics.registry.getSingleMetric('mesh_refusals_total');
  const values = (await counter?.get())?.values ?? [];
  return values.find((sample) => sample.labels['code'] === code)?.value ?? 0;
}

/** What an upgrade with these headers is answered: the HTTP status of a refusal, or 101. */
function upgradeStatus(running: RunningMesh, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(`${running.url.replace(/^http/, 'ws')}/trpc`, { headers });
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.on('error', () => {}); // the refusal below: nothing else to report
    socket.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
  });
}

describe('WebSocket upgrades by origin', () => {
  it('refuses a browser page of another origin, and takes programs, mesh itself and the allowed origins', async () => {
    const running = await startTestServer(defer, { config: { allowedOrigins: ['https://ops.example.ts.net'] } });
    const own = new URL(running.url).host;
    expect(await upgradeStatus(running, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(running, { origin: 'null' })).toBe(403);
    // The same host on another port is another origin.
    expect(await upgradeStatus(running, { origin: `http://127.0.0.1:${running.port + 1}` })).toBe(403);
    expect(await upgradeStatus(running, {})).toBe(101);
    expect(await upgradeStatus(running, { origin: `http://${own}` })).toBe(101);
    expect(await upgradeStatus(running, { origin: 'https://OPS.example.ts.net' })).toBe(101);
    expect(await refusals(running, 'ORIGIN_NOT_ALLOWED')).toBe(3);
  });
});

describe('WebSocket limits per connection', () => {
  it(`holds at most ${WS_MAX_SUBSCRIPTIONS} subscriptions a connection, and frees a slot when one stops`, async () => {
    const running = await startTestServer(defer);
    const ws = await connect(running);
    for (let id = 1; id <= WS_MAX_SUBSCRIPTIONS + 1; id++) ws.subscribe(id);
    const refused = (await ws.replies.atLeast(WS_MAX_SUBSCRIPTIONS + 2)).filter((reply) => reply.error);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.error?.json.data).toMatchObject({ meshCode: 'TOO_MANY_SUBSCRIPTIONS', httpStatus: 429 });
    expect(running.mesh.hub.watcherCounts().get('trpc-ws')).toBe(WS_MAX_SUBSCRIPTIONS);

    ws.send({ id: 1, method: 'subscription.stop' });
    await waitUntil(() => running.mesh.hub.watcherCounts().get('trpc-ws') === WS_MAX_SUBSCRIPTIONS - 1, 'the stop');
    ws.subscribe(100);
    await waitUntil(() => running.mesh.hub.watcherCounts().get('trpc-ws') === WS_MAX_SUBSCRIPTIONS, 'a new subscription');
    expect(ws.replies.items.filter((reply) => reply.error)).toHaveLength(1);
  });

  it(`answers a message of more than ${MAX_BATCH_CALLS} calls with an error for each, running none`, async () => {
    const running = await startTestServer(defer);
    const ws = await connect(running);
    const calls = (count: number, first: number) =>
      Array.from({ length: count }, (_, index) => ({
        id: first + index,
        method: 'query',
        params: { path: 'node.list', input: { json: {} } },
      }));
    ws.send(calls(MAX_BATCH_CALLS + 1, 1));
    const refused = await ws.replies.atLeast(MAX_BATCH_CALLS + 1);
    expect(refused.every((reply) => reply.error?.json.message === 'Batch call exceeds maximum size')).toBe(true);
    ws.send(calls(MAX_BATCH_CALLS, 100));
    const answered = (await ws.replies.atLeast(2 * MAX_BATCH_CALLS + 1)).slice(MAX_BATCH_CALLS + 1);
    expect(answered.every((reply) => reply.result?.type === 'data')).toBe(true);
  });

  it('closes a connection that stops reading once its unread answers pass the bound, freeing its watchers', async () => {
    const running = await startTestServer(defer);
    // About 24 MB of events, far more than the sockets' kernel buffers take.
    for (let batch = 0; batch < 3; batch++) await writeBulkyBacklog(running.mesh, 2000);
    // A backlog read from the database page by page: the watcher's own queue never fills, only the socket does.
    const ws = await connect(running);
    ws.socket.pause(); // read nothing: the server's sends back up
    ws.subscribe(1, { sinceRevision: 0 });
    await waitUntil(async () => (await refusals(running, 'SLOW_CONSUMER')) === 1, 'the server to cut the connection');
    // The client still holds its end open: only the server letting go frees the watcher.
    await waitUntil(() => running.mesh.hub.oldestCursor() === null, 'the server to drop the watcher of the cut connection');
    ws.socket.resume();
    expect([1013, 1006]).toContain(await ws.closed);
  });

  it('sends one answer larger than the bound whole to a client that reads, without cutting it', async () => {
    const running = await startTestServer(defer);
    // 3,000 nodes of 4 kB: node.list is about 12 MB, three times the bound.
    for (let batch = 0; batch < 2; batch++) {
      await writeAndPublish(running.mesh.database, running.mesh.hub, (tx, record) =>
        appendEvents(
          tx,
          record,
          Array.from({ length: 1500 }, (_, index) => {
            const node = bulkyNodeView(`n${batch}-${index}`);
            return { type: 'node.registered' as const, actor: SYSTEM_ACTOR, nodeId: node.id, publicKey: node.public_key, node };
          }),
          1,
        ),
      );
    }
    const ws = await connect(running);
    ws.send({ id: 1, method: 'query', params: { path: 'node.list', input: { json: {} } } });
    const [answer] = await ws.replies.atLeast(1);
    expect((answer?.result?.data as { json: { nodes: unknown[] } }).json.nodes).toHaveLength(3000);
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
    expect(await refusals(running, 'SLOW_CONSUMER')).toBe(0);
  });
});
