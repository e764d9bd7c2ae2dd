import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSseFrames } from '../../client/sse.js';
import type { MeshEvent } from '../../shared/events.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { registerOverHttp, useCleanups } from '../testing/servers.js';
import { listeningUrl, startMeshServer } from '../../client/testing/processes.js';

const defer = useCleanups();

async function pageOfEvents(url: string): Promise<MeshEvent[]> {
  const response = await fetch(`${url}/events?since=0&limit=100`, { headers: { accept: 'application/json' } });
  return ((await response.json()) as { events: MeshEvent[] }).events;
}

/** The ids of the first `count` frames of an SSE stream. */
async function streamIds(url: string, count: number): Promise<string[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const ids: string[] = [];
  for await (const frame of readSseFrames(response.body as AsyncIterable<Uint8Array>)) {
    ids.push(frame.id ?? '');
    if (ids.length === count) break;
  }
  controller.abort();
  return ids;
}

describe('two mesh processes on one database file', () => {
  it('each one sees, in one revision order, the events both write', async () => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const env = { MESH_DB_PATH: join(dir, 'mesh.db'), MESH_EVENT_POLL_MS: '50' };
    // Each process is kept before its start is awaited, so it is stopped whatever happens next.
    const first = startMeshServer(env);
    defer(() => first.stop());
    const second = startMeshServer(env);
    defer(() => second.stop());
    const a = await listeningUrl(first);
    const b = await listeningUrl(second);

    const watchingB = streamIds(`${b}/events?since=0`, 4);
    const watchingA = streamIds(`${a}/events?since=0`, 4);
    await registerOverHttp(a, 'from-a-1');
    await registerOverHttp(b, 'from-b-1');
    await registerOverHttp(a, 'from-a-2');
    await registerOverHttp(b, 'from-b-2');
    expect(await watchingB).toEqual(['1', '2', '3', '4']);
    expect(await watchingA).toEqual(['1', '2', '3', '4']);
    expect((await pageOfEvents(b)).map((e) => e.nodeId)).toEqual(['from-a-1', 'from-b-1', 'from-a-2', 'from-b-2']);

    // Discovery on either process catches up with the other's writes.
    await waitUntil(
      async () => ((await (await fetch(`${a}/nodes`)).json()) as { revision: number }).revision === 4,
      'discovery on the first process to reach revision 4',
    );
    const nodes = (await (await fetch(`${a}/nodes`)).json()) as { nodes: Array<{ id: string }>; revision: number };
    expect(nodes.revision).toBe(4);
    expect(nodes.nodes.map((n) => n.id)).toEqual(['from-a-1', 'from-a-2', 'from-b-1', 'from-b-2']);
  });
});
