import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../client/signed-requests.js';
import type { Signer } from '../client/signer.js';
import type { MeshEvent } from '../shared/events.js';
import { createContext } from './context.js';
import { silentLogger } from './log.js';
import { createMesh, type Mesh } from './mesh.js';
import { createCaller } from './routers/_app.js';
import { sweepOnce } from './sweeper.js';
import { createTestMesh, newSigner, tempDir, TestClock, testConfig, type TestMesh } from './testing/harness.js';
import { startTestServer, useCleanups } from './testing/servers.js';
import { refreshUptime } from './uptime-refresh.js';

const MINUTE = 60_000;
const INTERVAL = 2 * MINUTE;
const HOUR = 60 * MINUTE;

const defer = useCleanups();
let t: TestMesh | undefined;
afterEach(() => t?.mesh.close());

async function admit(mesh: Mesh, clock: TestClock, sovereign: Signer, nodeId: string): Promise<Signer> {
  const api = createCaller(createContext(mesh));
  const node = newSigner(clock);
  const options = { network: mesh.config.network };
  await api.node.register(signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, options));
  await api.sovereign.approve(signedNodeDecision(sovereign, 'approve', { nodeId, nodePublicKey: node.publicKey }, options));
  return node;
}

/**
 * Runs mesh for `minutes`, a sweeper pass each minute (mesh's proof that it ran), each node
 * heartbeating at the start of every interval unless `silent` says it is down then.
 */
async function run(
  mesh: Mesh,
  clock: TestClock,
  nodes: Record<string, Signer>,
  minutes: number,
  silent: (nodeId: string, minute: number) => boolean = () => false,
): Promise<void> {
  const api = createCaller(createContext(mesh));
  for (let minute = 0; minute < minutes; minute++) {
    for (const [nodeId, signer] of Object.entries(nodes)) {
      if (clock.now() % INTERVAL === 0 && !silent(nodeId, minute))
        await api.health.heartbeat(signedHeartbeat(signer, { nodeId }, { network: mesh.config.network }));
    }
    await sweepOnce(mesh);
    clock.advance(MINUTE);
  }
}

async function viewOf(mesh: Mesh, nodeId: string) {
  await refreshUptime(mesh);
  return createCaller(createContext(mesh)).node.get({ nodeId });
}

describe('uptime from the heartbeat rollup', () => {
  it('is 1 for a node heartbeating every interval for 3 hours, with reputation 100', async () => {
    t = await createTestMesh();
    const start = t.clock.now();
    const node = await admit(t.mesh, t.clock, t.sovereign, 'v1');
    await run(t.mesh, t.clock, { v1: node }, 180);

    const view = await viewOf(t.mesh, 'v1');
    expect(view.uptime).toEqual({ hour: 1, day: 1, week: 1, missed: 0, regularity: 1, firstSeen: start });
    expect(view.reputation).toBe(100);
  });

  it('counts the intervals a node missed while mesh ran, and lowers its reputation', async () => {
    t = await createTestMesh();
    const steady = await admit(t.mesh, t.clock, t.sovereign, 'steady');
    const gappy = await admit(t.mesh, t.clock, t.sovereign, 'gappy');
    // gappy is silent for 10 minutes (5 intervals) in the third hour.
    await run(t.mesh, t.clock, { steady, gappy }, 180, (id, minute) => id === 'gappy' && minute >= 150 && minute < 160);

    const view = await viewOf(t.mesh, 'gappy');
    expect(view.uptime.hour).toBeCloseTo(25 / 30);
    expect(view.uptime.day).toBeCloseTo(85 / 90);
    expect(view.uptime.week).toBeCloseTo(85 / 90);
    expect(view.uptime.missed).toBe(5);
    // 84 of its 85 seen intervals were followed by another: one break.
    expect(view.uptime.regularity).toBeCloseTo(83 / 84);
    expect(view.reputation).toBeLessThan(100);
    expect(view.reputation).toBeGreaterThan(80);
    expect((await viewOf(t.mesh, 'steady')).reputation).toBe(100);
  });

  it("does not count mesh's own downtime against nodes, across a restart", async () => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const clock = new TestClock();
    const sovereign = newSigner(clock);
    const config = testConfig({ dbUrl: `file:${join(dir, 'mesh.db')}`, sovereignKeys: [sovereign.publicKey] });
    const first = await createMesh(config, { clock, logger: silentLogger });
    const node = await admit(first, clock, sovereign, 'v1');
    await run(first, clock, { v1: node }, 60);
    first.close();

    clock.advance(HOUR); // mesh is down: nobody could have reached it
    const second = await createMesh(config, { clock, logger: silentLogger });
    defer(() => second.close());
    await run(second, clock, { v1: node }, 60);

    const view = await viewOf(second, 'v1');
    expect(view.uptime).toMatchObject({ hour: 1, day: 1, week: 1, missed: 0, regularity: 1 });
    expect(view.reputation).toBe(100);
  });

  it('shows in topology and in the node views of live events', async () => {
    t = await createTestMesh();
    const node = await admit(t.mesh, t.clock, t.sovereign, 'v1');
    await run(t.mesh, t.clock, { v1: node }, 60);
    await refreshUptime(t.mesh);
    const topology = await t.api.node.topology();
    expect(topology.nodes[0]).toMatchObject({ id: 'v1', uptime: { hour: 1 }, reputation: 100 });

    const offered: MeshEvent[] = [];
    t.mesh.hub.listen({ cursor: t.mesh.hub.revision, offer: (event) => void offered.push(event) });
    // Silent past the offline threshold: the node.offline event carries the figures of the last refresh.
    t.clock.advance(6 * MINUTE);
    await sweepOnce(t.mesh);
    expect(offered.map((event) => [event.type, event.node?.reputation, event.node?.uptime.hour])).toEqual([
      ['node.offline', 100, 1],
    ]);
  });

  it('keeps the rollup for MESH_UPTIME_RETENTION_MS and raw heartbeats for MESH_HEARTBEAT_RETENTION_MS', async () => {
    t = await createTestMesh({ config: { uptimeRetentionMs: 2 * HOUR, heartbeatRetentionMs: 30 * MINUTE } });
    const node = await admit(t.mesh, t.clock, t.sovereign, 'v1');
    await run(t.mesh, t.clock, { v1: node }, 240);

    const now = t.clock.now();
    const rows = async (query: string) => (await t!.mesh.database.client.execute(query)).rows;
    const hours = (await rows('SELECT hour FROM node_uptime_hours ORDER BY hour')).map((row) => Number(row.hour));
    // The last pass ran a minute before the loop ended.
    expect(hours[0]).toBe(Math.floor((now - MINUTE - 2 * HOUR) / HOUR));
    expect(hours.length).toBeLessThanOrEqual(3);
    const meshHours = (await rows('SELECT hour FROM mesh_uptime_hours ORDER BY hour')).map((row) => Number(row.hour));
    expect(meshHours[0]).toBe(hours[0]);
    const [oldest] = await rows('SELECT min(timestamp) AS oldest, count(*) AS n FROM heartbeats');
    expect(Number(oldest?.oldest)).toBeGreaterThanOrEqual(now - 30 * MINUTE - MINUTE);
    expect(Number(oldest?.n)).toBeLessThanOrEqual(16);
  });
});

describe('GET /nodes by reputation and uptime', () => {
  it('sorts by reputation or uptime and filters by a minimum reputation', async () => {
    const clock = new TestClock();
    const sovereign = newSigner(clock);
    const running = await startTestServer(defer, { clock, config: { sovereignKeys: [sovereign.publicKey] } });
    const nodes = {
      a: await admit(running.mesh, clock, sovereign, 'a'),
      b: await admit(running.mesh, clock, sovereign, 'b'),
      c: await admit(running.mesh, clock, sovereign, 'c'),
    };
    // a misses half the last hour, c misses a quarter of it, b misses nothing.
    await run(running.mesh, clock, nodes, 120, (id, minute) => (id === 'a' && minute >= 90) || (id === 'c' && minute >= 105));
    await refreshUptime(running.mesh);

    const ids = async (query: string) => {
      const response = await fetch(`${running.url}/nodes${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { nodes: Array<{ id: string; reputation: number | null }> };
      return body.nodes.map((node) => node.id);
    };
    expect(await ids('')).toEqual(['a', 'b', 'c']);
    expect(await ids('?sort=reputation')).toEqual(['b', 'c', 'a']);
    expect(await ids('?sort=uptime')).toEqual(['b', 'c', 'a']);
    expect(await ids('?sort=reputation&minReputation=80')).toEqual(['b', 'c']);
    expect(await ids('?minReputation=100')).toEqual(['b']);

    const bad = await fetch(`${running.url}/nodes?minReputation=lots`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('minReputation') },
    });
    expect((await fetch(`${running.url}/nodes?sort=fame`)).status).toBe(400);
    expect((await fetch(`${running.url}/nodes?minReputation=101`)).status).toBe(400);
  });
});
