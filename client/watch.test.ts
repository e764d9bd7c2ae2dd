import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventType, WatchMessage } from '../shared/events.js';
import type { RunningMesh } from '../server/app.js';
import { refusingUrl, startRelay } from '../shared/testing/ports.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { Arrivals } from '../shared/testing/wait.js';
import { registerOverHttp, startTestServer, useCleanups } from '../server/testing/servers.js';
import { createMeshClient } from './client.js';
import { isMeshError } from './errors.js';

const defer = useCleanups();
const start = (options: { dbUrl?: string } = {}) => startTestServer(defer, options);
const register = (running: RunningMesh, nodeId: string) => registerOverHttp(running.url, nodeId);

/** Consumes a watch in the background until the test ends; `until(n)` waits for n messages. */
function consume(watch: (signal: AbortSignal) => AsyncGenerator<WatchMessage>) {
  const seen = new Arrivals<WatchMessage>();
  const controller = new AbortController();
  const done = (async () => {
    for await (const message of watch(controller.signal)) seen.push(message);
  })();
  defer(async () => {
    controller.abort();
    await done.catch(() => undefined);
  });
  return {
    done,
    async until(count: number) {
      const messages = await seen.atLeast(count);
      return messages.map((m) => (m.kind === 'event' ? `${m.event.revision}:${m.event.nodeId}` : `reset@${m.revision}`));
    },
  };
}

describe('client.watch', () => {
  it('lists, then watches from the list revision: nothing lost, nothing twice', async () => {
    const running = await start();
    await register(running, 'a');
    const client = createMeshClient({ url: running.url });
    const { revision, nodes } = await client.trpc.node.list.query({});
    expect(nodes.map((n) => n.id)).toEqual(['a']);
    await register(running, 'b');
    const watch = consume((signal) => client.watch({ sinceRevision: revision, signal }));
    await register(running, 'c');
    expect(await watch.until(2)).toEqual(['2:b', '3:c']);
  });

  it('fails over from a dead URL and resumes across a mesh restart by itself', async () => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const dbUrl = `file:${join(dir, 'mesh.db')}`;
    // The client keeps the relay's URL while mesh restarts behind it on a new port.
    const relay = await startRelay();
    defer(() => relay.close());
    const first = await start({ dbUrl });
    relay.target = first.port;
    const retries: string[] = [];
    const client = createMeshClient({ url: [await refusingUrl(), relay.url] });
    const watch = consume((signal) =>
      client.watch({ sinceRevision: 0, signal, retryDelayMs: () => 20, onRetry: (error) => retries.push(error.message) }),
    );
    await register(first, 'a');
    expect(await watch.until(1)).toEqual(['1:a']);

    relay.target = null;
    await first.close();
    const second = await start({ dbUrl });
    relay.target = second.port;
    await register(second, 'b');
    await register(second, 'c');
    expect(await watch.until(3)).toEqual(['1:a', '2:b', '3:c']);
    expect(retries.length).toBeGreaterThan(0);
  });

  it('ends with INVALID_INPUT when mesh refuses the filter', async () => {
    const running = await start();
    const client = createMeshClient({ url: running.url });
    const stream = client.watch({ types: ['node.exploded' as EventType] });
    const error = await stream.next().catch((e: unknown) => e);
    expect(isMeshError(error, 'INVALID_INPUT')).toBe(true);
  });
});
