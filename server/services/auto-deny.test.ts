import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signedNodeDecision } from '../../client/signed-requests.js';
import type { MeshConfig } from '../config.js';
import type { Logger, LogFields } from '../log.js';
import { createTestMesh, TestClock, type TestMesh } from '../testing/harness.js';
import { sweepingNetwork, sweepMinutes, type TestNode } from '../testing/sweeping-network.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { Scrape } from '../testing/prometheus.js';

const MINUTE = 60_000;
const meshes: TestMesh[] = [];
const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const mesh of meshes.splice(0)) mesh.mesh.close();
  for (const dir of dirs.splice(0)) dir.cleanup();
});

/** `count` active nodes, the start-up grace over, every node having just sent a heartbeat. */
async function network(count: number, config: Partial<MeshConfig>, options: { clock?: TestClock; logger?: Logger } = {}) {
  const built = await sweepingNetwork(count, config, options);
  meshes.push(built.mesh);
  return built;
}

/** sweepMinutes, by the ids each pass denied. */
const run = async (mesh: TestMesh, ms: number, alive: readonly TestNode[]) =>
  (await sweepMinutes(mesh, ms, alive)).map((pass) => pass.denied);

const statusOf = async (mesh: TestMesh, nodeId: string) => (await mesh.api.node.get({ nodeId })).status;

describe('automatic denial', () => {
  it('is off by default: an offline node stays offline however long it is silent', async () => {
    const { mesh } = await network(1, {});
    expect((await run(mesh, 60 * MINUTE, [])).flat()).toEqual([]);
    expect(await statusOf(mesh, 'n00')).toBe('offline');
  });

  it('denies an offline node that missed MESH_AUTO_DENY_AFTER_MISSED intervals, by system, with the reason; a sovereign can approve it again', async () => {
    const lines: Array<{ message: string; fields: LogFields | undefined }> = [];
    const logger: Logger = { info: (message, fields) => lines.push({ message, fields }), warn: () => {}, error: () => {} };
    const { mesh, nodes } = await network(1, { autoDenyAfterMissed: 3 }, { logger });
    // Three intervals of two minutes: offline after five minutes of silence, denied after six.
    expect(await run(mesh, 6 * MINUTE, [])).toEqual([[], [], [], [], [], []]);
    expect(await statusOf(mesh, 'n00')).toBe('offline');
    expect(await run(mesh, MINUTE, [])).toEqual([['n00']]);
    expect(await statusOf(mesh, 'n00')).toBe('denied');

    const { events } = await mesh.api.events.list({ nodeId: 'n00', types: ['node.offline', 'node.denied'] });
    expect(events.map((event) => [event.type, event.actor])).toEqual([
      ['node.offline', 'system'],
      ['node.denied', 'system'],
    ]);
    expect(events[1]).toMatchObject({
      reason: 'missed 3 heartbeat intervals of 120000 ms in a row (MESH_AUTO_DENY_AFTER_MISSED)',
      node: { id: 'n00', status: 'denied' },
    });
    expect(events[0]).not.toHaveProperty('reason');
    expect(lines.find((line) => line.message === 'node n00 denied')?.fields).toMatchObject({
      actor: 'system',
      reason: 'missed 3 heartbeat intervals of 120000 ms in a row (MESH_AUTO_DENY_AFTER_MISSED)',
    });
    await expect(nodes[0]?.heartbeat()).rejects.toMatchObject({ message: expect.stringMatching(/n00 is denied/) });

    const scrape = new Scrape(await mesh.mesh.metrics.registry.metrics());
    expect(scrape.value('mesh_auto_denials_total')).toBe(1);
    expect(scrape.value('mesh_denials_total')).toBe(0);

    const options = { network: mesh.network };
    await mesh.api.sovereign.approve(
      signedNodeDecision(mesh.sovereign, 'approve', { nodeId: 'n00', nodePublicKey: nodes[0]?.key.publicKey ?? '' }, options),
    );
    expect(await statusOf(mesh, 'n00')).toBe('active');
    // The approval is a sign of life: a full threshold again before it goes offline, and no denial meanwhile.
    expect((await run(mesh, 4 * MINUTE, [])).flat()).toEqual([]);
    expect(await statusOf(mesh, 'n00')).toBe('active');
  });

  it('never denies while mesh preserves itself, and counts missed intervals only from its end', async () => {
    const { mesh, nodes } = await network(40, { autoDenyAfterMissed: 5 });
    const [lone] = nodes;
    const crowd = nodes.slice(1, 13);
    const rest = nodes.slice(13);
    // n00 goes silent alone and goes offline after five minutes; a minute later twelve more go silent.
    await run(mesh, 2 * MINUTE, [...crowd, ...rest]);
    expect((await run(mesh, 6 * MINUTE, rest)).flat()).toEqual([]);
    expect(await statusOf(mesh, 'n00')).toBe('offline');
    expect(mesh.mesh.preservation.active).toBe(true);

    // n00 has missed five intervals by now, but mesh may be the one cut off.
    expect((await run(mesh, 4 * MINUTE, rest)).flat()).toEqual([]);
    expect(mesh.mesh.preservation.active).toBe(true);
    expect(await statusOf(mesh, 'n00')).toBe('offline');

    await run(mesh, MINUTE, [...crowd, ...rest]);
    expect(mesh.mesh.preservation.active).toBe(false);
    const exited = mesh.clock.now();
    // Ten intervals of silence heard since the exit, then n00 is denied.
    expect((await run(mesh, 10 * MINUTE, [...crowd, ...rest])).flat()).toEqual([]);
    expect(await run(mesh, MINUTE, [...crowd, ...rest])).toEqual([[lone?.id]]);
    expect(mesh.clock.now() - exited).toBe(11 * MINUTE);
  });

  it('never denies in the start-up grace: missed intervals count from when this mesh started', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const dbUrl = `file:${join(dir.dir, 'mesh.db')}`;
    const clock = new TestClock();
    const first = await network(1, { dbUrl }, { clock });
    await run(first.mesh, 6 * MINUTE, []);
    expect(await statusOf(first.mesh, 'n00')).toBe('offline');
    first.mesh.mesh.close();
    meshes.splice(meshes.indexOf(first.mesh), 1);

    // An hour later a mesh that denies after three missed intervals starts on the same database.
    clock.advance(60 * MINUTE);
    const second = await createTestMesh({ config: { dbUrl, autoDenyAfterMissed: 3 }, clock });
    meshes.push(second);
    expect((await run(second, 6 * MINUTE, [])).flat()).toEqual([]);
    expect(await statusOf(second, 'n00')).toBe('offline');
    expect(await run(second, MINUTE, [])).toEqual([['n00']]);
  });
});
