import { join } from 'node:path';
import { createTRPCClient, createWSClient, httpLink, httpSubscriptionLink, splitLink, wsLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readSseFrames, type SseFrame } from '../../client/sse.js';
import type { WatchMessage } from '../../shared/events.js';
import { writeBulkyBacklog } from '../testing/fixtures.js';
import type { RunningMesh } from '../app.js';
import type { AppRouter } from '../routers/_app.js';
import { startRelay } from '../../shared/testing/ports.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { Arrivals, waitUntil } from '../../shared/testing/wait.js';
import { registerOverHttp, startTestServer, useCleanups } from '../testing/servers.js';

const defer = useCleanups();
const start = (options: { dbUrl?: string } = {}) => startTestServer(defer, options);
const register = (running: RunningMesh, nodeId: string) => registerOverHttp(running.url, nodeId);

async function takeFrames(url: string, count: number, headers: Record<string, string> = {}): Promise<SseFrame[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames: SseFrame[] = [];
  for await (const frame of readSseFrames(response.body as AsyncIterable<Uint8Array>)) {
    frames.push(frame);
    if (frames.length === count) break;
  }
  controller.abort();
  return frames;
}

describe('GET /events over plain HTTP', () => {
  it('streams SSE frames with id = revision, resumes from ?since= and Last-Event-ID', async () => {
    const running = await start();
    for (const id of ['a', 'b', 'c']) await register(running, id);
    const first = await takeFrames(`${running.url}/events?since=0`, 2);
    expect(first.map((f) => [f.id, f.event])).toEqual([
      ['1', 'node.registered'],
      ['2', 'node.registered'],
    ]);
    expect(JSON.parse(first[0]?.data ?? '')).toMatchObject({ revision: 1, nodeId: 'a', node: { status: 'pending' } });

    const pending = takeFrames(`${running.url}/events`, 1, { 'last-event-id': '2' });
    await register(running, 'd');
    const resumed = await pending;
    expect(resumed.map((f) => f.id)).toEqual(['3']);
    expect(await takeFrames(`${running.url}/events?since=3&types=node.registered&nodeId=d`, 1)).toMatchObject([{ id: '4' }]);
  });

  it('pages through the log as JSON', async () => {
    const running = await start();
    for (const id of ['a', 'b', 'c']) await register(running, id);
    const page = await fetch(`${running.url}/events?since=1&limit=1`, { headers: { accept: 'application/json' } });
    expect(await page.json()).toMatchObject({
      revision: 3,
      prunedThrough: 0,
      nextSinceRevision: 2,
      events: [{ revision: 2, type: 'node.registered' }],
    });
    const bad = await fetch(`${running.url}/events?limit=0`, { headers: { accept: 'application/json' } });
    expect(bad.status).toBe(400);
  });

  it('answers a page from a revision ahead of the log with the reset the stream sends, not an empty page', async () => {
    const running = await start();
    for (const id of ['a', 'b']) await register(running, id);
    const page = await fetch(`${running.url}/events?since=9&limit=5`, { headers: { accept: 'application/json' } });
    const reason = 'revision 9 is ahead of this log (at 2): list again, then watch from 2';
    expect(await page.json()).toEqual({
      events: [],
      revision: 2,
      prunedThrough: 0,
      nextSinceRevision: 2,
      reset: { revision: 2, reason },
    });
    const [frame] = await takeFrames(`${running.url}/events?since=9`, 1);
    expect(frame).toMatchObject({ id: '2', event: 'reset' });
    expect(JSON.parse(frame?.data ?? '')).toEqual({ revision: 2, reason });
  });

  it('greets a stream with the revision it starts after', async () => {
    const running = await start();
    for (const id of ['a', 'b', 'c']) await register(running, id);
    const greeting = async (path: string, headers: Record<string, string> = {}) => {
      const controller = new AbortController();
      const response = await fetch(`${running.url}${path}`, { headers, signal: controller.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      return text.split('\n')[1];
    };
    expect(await greeting('/events?since=1')).toBe(': mesh events from revision 1');
    expect(await greeting('/events', { 'last-event-id': '2' })).toBe(': mesh events from revision 2');
    expect(await greeting('/events')).toBe(': mesh events from revision 3');
  });

  it('names the query parameter of a number that is not one', async () => {
    const running = await start();
    for (const accept of ['application/json', 'text/event-stream']) {
      const response = await fetch(`${running.url}/events?since=abc`, { headers: { accept } });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        success: false,
        error: {
          code: 'INVALID_INPUT',
          message:
            'invalid input: query parameter since takes a whole number (a revision, e.g. the revision of GET /nodes), not "abc"',
        },
      });
    }
  });
});

describe('GET /events, clients that leave', () => {
  it('frees the watcher of a client that stops reading and leaves in the middle of a backlog', async () => {
    const running = await start();
    // A backlog of several megabytes, more than socket buffers hold: 2,000 events of 4 kB.
    await writeBulkyBacklog(running.mesh, 2000);
    const socket = connect(running.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /events?since=0 HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause(); // stop reading: the server's writes back up
    expect(running.mesh.hub.oldestCursor()).not.toBeNull();
    socket.destroy();
    await waitUntil(() => running.mesh.hub.oldestCursor() === null, 'the server to drop the watcher of the closed connection');
  });

  it('answers HEAD /events with the stream headers, without starting a watch', async () => {
    const running = await start();
    const response = await fetch(`${running.url}/events`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(running.mesh.hub.oldestCursor()).toBeNull();
  });
});

describe('discovery revisions', () => {
  it('sends X-Mesh-Revision and an ETag, and 304 until something changes', async () => {
    const running = await start();
    await register(running, 'a');
    for (const path of ['/nodes', '/nodes/a', '/topology']) {
      const first = await fetch(`${running.url}${path}`);
      expect(first.headers.get('x-mesh-revision')).toBe('1');
      expect((await first.json()) as { revision: number }).toMatchObject({ revision: 1 });
      const etag = first.headers.get('etag') ?? '';
      expect(etag).toMatch(/^".+"$/);
      const again = await fetch(`${running.url}${path}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    }
    const etag = (await fetch(`${running.url}/nodes`)).headers.get('etag') ?? '';
    await register(running, 'b');
    const changed = await fetch(`${running.url}/nodes`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('x-mesh-revision')).toBe('2');
  });
});

function trpcClient(url: string, transport: 'sse' | 'ws') {
  const http = httpLink({ url: `${url}/trpc`, transformer: superjson });
  if (transport === 'sse') {
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: `${url}/trpc`, transformer: superjson, EventSource }),
          false: http,
        }),
      ],
    });
  }
  const ws = createWSClient({
    url: `${url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  defer(() => ws.close());
  return createTRPCClient<AppRouter>({ links: [wsLink({ client: ws, transformer: superjson })] });
}

function collect(client: ReturnType<typeof trpcClient>, input: { sinceRevision?: number }) {
  const messages = new Arrivals<WatchMessage>();
  const subscription = client.events.watch.subscribe(input, { onData: (tracked) => messages.push(tracked.data) });
  defer(() => subscription.unsubscribe());
  const until = async (count: number) =>
    (await messages.atLeast(count)).map((m) => (m.kind === 'event' ? m.event.revision : `reset@${m.revision}`));
  return { subscription, until };
}

describe.each(['sse', 'ws'] as const)('events.watch over tRPC (%s)', (transport) => {
  it('delivers the backlog and live events in order', async () => {
    const running = await start();
    await register(running, 'a');
    const { until } = collect(trpcClient(running.url, transport), { sinceRevision: 0 });
    expect(await until(1)).toEqual([1]);
    await register(running, 'b');
    await register(running, 'c');
    expect(await until(3)).toEqual([1, 2, 3]);
  });
});

describe('resuming across a server restart', () => {
  it('the SSE link reconnects to the restarted mesh and resumes after the last event, nothing lost or doubled', async () => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const dbUrl = `file:${join(dir, 'mesh.db')}`;
    // The link keeps the relay's URL while mesh restarts behind it on a new port.
    const relay = await startRelay();
    defer(() => relay.close());
    const first = await start({ dbUrl });
    relay.target = first.port;
    await register(first, 'a');
    const { until } = collect(trpcClient(relay.url, 'sse'), { sinceRevision: 0 });
    expect(await until(1)).toEqual([1]);
    await register(first, 'b');
    expect(await until(2)).toEqual([1, 2]);

    relay.target = null;
    await first.close();
    const second = await start({ dbUrl });
    relay.target = second.port;
    // Written while the client was cut off: it must arrive after the reconnect, once.
    await register(second, 'c');
    await register(second, 'd');
    expect(await until(4)).toEqual([1, 2, 3, 4]);
  });
});
