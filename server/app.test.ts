import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../client/signed-requests.js';
import { startMesh } from './app.js';
import { sweepOnce } from './sweeper.js';
import { silentLogger } from './log.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { newSigner, testConfig, TestClock } from './testing/harness.js';
import { refreshUptime } from './uptime-refresh.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('restart on an existing database', () => {
  it('keeps every node, key and replay record, and does not mark the network offline', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const clock = new TestClock();
    const sovereign = newSigner(clock);
    const config = testConfig({
      port: 0,
      host: '127.0.0.1',
      dbUrl: `file:${join(dir, 'mesh.db')}`,
      sovereignKeys: [sovereign.publicKey],
    });
    const options = { network: config.network };

    const first = await startMesh(config, { logger: silentLogger, clock });
    const node = newSigner(clock);
    const registration = signedRegister(
      node,
      { nodeId: 'v1', tailscaleHostname: 'v1.ts.net', services: [{ type: 'ledger', port: 1 }] },
      options,
    );
    const post = (running: typeof first, path: string, body: unknown) =>
      fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(first, '/register', registration)).status).toBe(200);
    const { nodeId: _id, ...approval } = signedNodeDecision(
      sovereign,
      'approve',
      { nodeId: 'v1', nodePublicKey: node.publicKey },
      options,
    );
    expect((await post(first, '/approve/v1', approval)).status).toBe(200);
    expect((await post(first, '/heartbeat', signedHeartbeat(node, { nodeId: 'v1' }, options))).status).toBe(200);
    // Uptime too is computed from the database: the restarted mesh shows the same figures.
    await refreshUptime(first.mesh);
    const before = await (await fetch(`${first.url}/nodes/v1`)).json();
    await first.close();

    // mesh was down for an hour: far longer than the offline threshold.
    clock.advance(60 * 60 * 1000);
    const second = await startMesh(config, { logger: silentLogger, clock });
    cleanups.push(() => void second.close());
    expect(await (await fetch(`${second.url}/nodes/v1`)).json()).toEqual(before);
    await sweepOnce(second.mesh);
    const active = (await (await fetch(`${second.url}/nodes?status=active`)).json()) as { nodes: Array<{ id: string }> };
    expect(active.nodes.map((n) => n.id)).toEqual(['v1']);
    expect(second.mesh.registry.sovereigns().map((s) => s.public_key)).toEqual([sovereign.publicKey]);

    // The old registration, replayed against the restarted mesh, is still refused.
    clock.time = registration.timestamp;
    const replay = await post(second, '/register', registration);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'REPLAYED_TIMESTAMP' } });
    await second.close();
  });
});
