import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTs } from '../shared/testing/processes.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { heartbeatInFlight, RawConnection } from './testing/raw-connection.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

// mesh's own process (server/main.ts through tsx), signalled as a supervisor or a terminal would.
describe('signals to the mesh process', { timeout: 120_000 }, () => {
  it('ignores a repeated SIGTERM while stopping, answers the request in flight, then exits 0', async () => {
    const { dir, cleanup } = tempDir();
    const running = startTs('server/main.ts', [], {
      MESH_HOST: '127.0.0.1',
      MESH_PORT: '0',
      MESH_DB_PATH: join(dir, 'mesh.db'),
      MESH_LOG_FORMAT: 'text',
    });
    cleanups.push(async () => {
      await running.stop();
      cleanup();
    });
    const [, port, pid] = await running.waitFor(/mesh \S+ on 127\.0\.0\.1:(\d+), pid (\d+),/);
    const busy = new RawConnection(Number(port));
    const heartbeat = await heartbeatInFlight(busy);

    process.kill(Number(pid), 'SIGTERM');
    await running.waitFor(/SIGTERM: shutting down/);
    process.kill(Number(pid), 'SIGTERM');
    process.kill(Number(pid), 'SIGINT');
    await running.waitFor(/SIGINT again while stopping: ignored/);
    expect(running.child.exitCode).toBeNull();

    heartbeat.finish();
    const answer = await busy.response();
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe('close');
    expect(await running.exited).toBe(0);
    expect(running.output).toMatch(/SIGTERM again while stopping: ignored.*SIGKILL stops it at once/);
  });
});
