import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMesh, type RunningMesh } from './app.js';
import { silentLogger } from './log.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { waitUntil } from '../shared/testing/wait.js';
import { testConfig } from './testing/harness.js';
import type { MeshConfig } from './config.js';
import { heartbeatInFlight, RawConnection } from './testing/raw-connection.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(overrides: Partial<MeshConfig> = {}): Promise<RunningMesh> {
  const { dir, cleanup } = tempDir();
  const running = await startMesh(
    testConfig({ port: 0, host: '127.0.0.1', dbUrl: `file:${join(dir, 'mesh.db')}`, ...overrides }),
    { logger: silentLogger },
  );
  cleanups.push(async () => {
    await running.close();
    cleanup();
  });
  return running;
}

describe('a graceful stop', () => {
  it('answers the requests in flight with Connection: close, closes idle connections and cuts event streams', async () => {
    const running = await start();
    // An idle keep-alive connection: it served one request and waits for the next.
    const idle = new RawConnection(running.port);
    idle.send('GET /health HTTP/1.1\r\nhost: mesh\r\n\r\n');
    expect((await idle.response()).status).toBe(200);
    // A request in flight: mesh has its headers and waits for its body.
    const busy = new RawConnection(running.port);
    const heartbeat = await heartbeatInFlight(busy);
    // An event stream.
    const stream = new RawConnection(running.port);
    stream.send('GET /events HTTP/1.1\r\nhost: mesh\r\naccept: text/event-stream\r\n\r\n');
    await waitUntil(() => running.requestsInFlight() === 2, 'the half-sent request and the event stream under way');

    let stopped = false;
    const stopping = running.close().then(() => (stopped = true));
    await idle.closed();
    await stream.closed();
    expect(stopped).toBe(false);

    heartbeat.finish();
    const answer = await busy.response();
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ success: false });
    // The last answer of its connection: a keep-alive client opens its next request elsewhere
    // instead of sending it on a connection about to be cut.
    expect(answer.headers.connection).toBe('close');
    await busy.closed();
    await stopping;
  });

  it('cuts a request still under way once MESH_SHUTDOWN_GRACE_MS has passed', async () => {
    const running = await start({ shutdownGraceMs: 50 });
    await heartbeatInFlight(new RawConnection(running.port));
    await running.close();
  });
});
