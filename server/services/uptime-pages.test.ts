import { afterEach, describe, expect, it } from 'vitest';
import { nodes } from '../../db/schema.js';
import { createTestMesh, type TestMesh } from '../testing/harness.js';
import { readUptimes } from './uptime.js';

const NODES = 4_100; // more than two pages of the recomputation

let running: TestMesh | undefined;
afterEach(() => {
  running?.mesh.close();
  running = undefined;
});

describe('readUptimes over many nodes', () => {
  it('lets other work run between its pages, and still gives every node its figures', async () => {
    running = await createTestMesh();
    const { mesh, clock } = running;
    const rows = Array.from({ length: NODES }, (_, index) => ({
      id: `node-${String(index).padStart(5, '0')}`,
      publicKey: index.toString(16).padStart(64, '0'),
      tailscaleHostname: `node-${index}.ts.net`,
      status: 'active' as const,
      registeredAt: clock.now(),
      registrationSignature: '00',
    }));
    for (let start = 0; start < rows.length; start += 500) {
      await mesh.database.db.insert(nodes).values(rows.slice(start, start + 500));
    }

    let finished = false;
    let otherWorkRanFirst = false;
    const refresh = readUptimes(mesh.database.db, { now: clock.now(), heartbeatIntervalMs: 120_000 }).then((figures) => {
      finished = true;
      return figures;
    });
    // A request arriving while the figures are recomputed: it must not wait for all of them.
    setImmediate(() => {
      otherWorkRanFirst = !finished;
    });
    const figures = await refresh;
    expect(otherWorkRanFirst).toBe(true);
    expect(figures.size).toBe(NODES);
  });
});
