import { afterEach, describe, expect, it } from 'vitest';
import { createMeshClient } from '../client/client.js';
import type { EventPage } from '../shared/events.js';
import type { Info, Topology } from '../shared/responses.js';
import type { MeshConfig } from './config.js';
import type { Logger } from './log.js';
import { createContext } from './context.js';
import { createCaller } from './routers/_app.js';
import { sweepOnce } from './sweeper.js';
import { createTestMesh, newSigner, TestClock, type TestMesh } from './testing/harness.js';
import { activeNodes, sweepingNetwork, sweepMinutes, type TestNode } from './testing/sweeping-network.js';
import { Scrape } from './testing/prometheus.js';
import { startTestServer, useCleanups } from './testing/servers.js';

const OFFLINE_AFTER = 300_000;
const MINUTE = 60_000;
const NETWORK_SIZE = 40;
let t: TestMesh | undefined;
afterEach(() => {
  t?.mesh.close();
  t = undefined;
});

/** A network of 40 active nodes whose start-up grace is over, every node having just sent a heartbeat. */
async function network(config: Partial<MeshConfig> = {}, logger?: Logger) {
  const built = await sweepingNetwork(NETWORK_SIZE, config, logger ? { logger } : {});
  t = built.mesh;
  return built;
}

/** sweepMinutes, by the ids each pass marked offline. */
const run = async (mesh: TestMesh, ms: number, alive: readonly TestNode[]) =>
  (await sweepMinutes(mesh, ms, alive)).map((pass) => pass.wentOffline);

const statusOf = async (mesh: TestMesh, status: 'active' | 'offline') =>
  (await mesh.api.node.list({ status })).nodes.map((node) => node.id);

const preservationEvents = async (mesh: TestMesh) =>
  (await mesh.api.events.list({ types: ['mesh.self-preservation'] })).events.map((event) => event.selfPreservation);

const scrape = async (mesh: TestMesh) => new Scrape(await mesh.mesh.metrics.registry.metrics());

describe('self-preservation', () => {
  it('marks nobody offline when 30% of the nodes go silent at once, and says so everywhere', async () => {
    const { mesh, nodes } = await network();
    const silent = nodes.slice(0, 12);
    const alive = nodes.slice(12);

    const passes = await run(mesh, OFFLINE_AFTER + MINUTE, alive);
    expect(passes.flat()).toEqual([]);
    expect(await statusOf(mesh, 'offline')).toEqual([]);
    expect(await statusOf(mesh, 'active')).toEqual(expect.arrayContaining(silent.map((node) => node.id)));

    const entered = mesh.clock.now();
    const state = { active: true, since: entered, until: entered + 900_000, activeNodes: 40, silentNodes: 12, draining: false };
    expect(await preservationEvents(mesh)).toEqual([
      { change: 'entered', exitReason: null, activeNodes: 40, silentNodes: 12, ratio: 0.15, state },
    ]);
    const [event] = (await mesh.api.events.list({ types: ['mesh.self-preservation'] })).events;
    expect(event).toMatchObject({ actor: 'system', nodeId: null, publicKey: null, node: null, sovereign: null });
    expect((await mesh.api.info()).selfPreservation).toEqual(state);
    expect((await mesh.api.node.topology()).selfPreservation).toEqual(state);
    expect((await scrape(mesh)).value('mesh_self_preservation')).toBe(1);
  });

  it('exits when heartbeats return to the expected rate, and counts silence only from then', async () => {
    const { mesh, nodes } = await network();
    const alive = nodes.slice(12);
    await run(mesh, OFFLINE_AFTER + MINUTE, alive);
    expect(mesh.mesh.preservation.active).toBe(true);

    // Ten of the twelve come back; two (5%) stay silent.
    const stillSilent = nodes.slice(0, 2);
    const back = nodes.slice(2);
    expect(await run(mesh, MINUTE, back)).toEqual([[]]);
    const exited = mesh.clock.now();
    expect((await preservationEvents(mesh)).at(-1)).toMatchObject({
      change: 'exited',
      exitReason: 'recovered',
      activeNodes: 40,
      silentNodes: 2,
      state: { active: false, since: null, until: null, draining: false },
    });
    expect((await mesh.api.info()).selfPreservation.active).toBe(false);
    expect((await mesh.api.node.topology()).selfPreservation.active).toBe(false);
    expect((await scrape(mesh)).value('mesh_self_preservation')).toBe(0);
    expect(mesh.mesh.preservation.listeningSince).toBe(exited);

    // Mesh could not hear them while cut off: the two left get a full threshold from the exit.
    expect((await run(mesh, OFFLINE_AFTER - MINUTE, back)).flat()).toEqual([]);
    expect(await run(mesh, MINUTE, back)).toEqual([stillSilent.map((node) => node.id)]);
    expect(await preservationEvents(mesh)).toHaveLength(2);
  });

  it('exits after the maximum duration, then marks the silent nodes offline a few per pass', async () => {
    const { mesh, nodes } = await network({ offlineRate: 3 });
    const silent = nodes.slice(0, 12).map((node) => node.id);
    const alive = nodes.slice(12);
    await run(mesh, OFFLINE_AFTER + MINUTE, alive);
    const until = (await mesh.api.info()).selfPreservation.until as number;

    expect((await run(mesh, until - mesh.clock.now() - MINUTE, alive)).flat()).toEqual([]);
    expect(mesh.mesh.preservation.active).toBe(true);

    const passes = await run(mesh, 4 * MINUTE, alive);
    expect(passes).toEqual([silent.slice(0, 3), silent.slice(3, 6), silent.slice(6, 9), silent.slice(9, 12)]);
    expect((await preservationEvents(mesh)).at(-1)).toMatchObject({
      change: 'exited',
      exitReason: 'expired',
      activeNodes: 40,
      silentNodes: 12,
      state: { active: false, draining: true },
    });
    expect((await mesh.api.info()).selfPreservation).toMatchObject({ active: false, draining: false });
    expect(await statusOf(mesh, 'offline')).toEqual(silent);
  });

  it('shows the draining in /health between the bounded steps', async () => {
    const { mesh, nodes } = await network({ offlineRate: 5, selfPreservationMaxMs: 2 * MINUTE });
    const alive = nodes.slice(12);
    await run(mesh, OFFLINE_AFTER + MINUTE, alive);
    expect(await run(mesh, 2 * MINUTE, alive)).toEqual([[], ['n00', 'n01', 'n02', 'n03', 'n04']]);
    expect((await mesh.api.info()).selfPreservation).toMatchObject({ active: false, draining: true });
    expect((await mesh.api.node.topology()).selfPreservation).toMatchObject({ active: false, draining: true });
    expect((await run(mesh, 2 * MINUTE, alive)).map((pass) => pass.length)).toEqual([5, 2]);
    expect((await mesh.api.info()).selfPreservation.draining).toBe(false);
  });

  it('logs entering and leaving as warnings, with the figures', async () => {
    const warnings: Array<{ message: string; fields: unknown }> = [];
    const logger: Logger = { info: () => {}, error: () => {}, warn: (message, fields) => warnings.push({ message, fields }) };
    const { mesh, nodes } = await network({}, logger);
    await run(mesh, OFFLINE_AFTER + MINUTE, nodes.slice(12));
    await run(mesh, MINUTE, nodes);
    const until = new Date(mesh.clock.now() - MINUTE + 900_000).toISOString();
    expect(warnings.map((warning) => warning.message)).toEqual([
      `self-preservation entered: 12 of 40 active nodes silent (more than 15% would go offline); nobody is marked offline until heartbeats come back, or until ${until} at the latest`,
      'self-preservation exited: heartbeats are back (0 of 40 active nodes silent)',
    ]);
    expect(warnings[0]?.fields).toMatchObject({
      event: 'mesh.self-preservation',
      change: 'entered',
      activeNodes: 40,
      silentNodes: 12,
    });
  });

  it('marks 5% of silent nodes offline as normal', async () => {
    const { mesh, nodes } = await network();
    const alive = nodes.slice(2);
    const passes = await run(mesh, OFFLINE_AFTER + MINUTE, alive);
    expect(passes.flat()).toEqual(['n00', 'n01']);
    expect(await statusOf(mesh, 'offline')).toEqual(['n00', 'n01']);
    expect(await preservationEvents(mesh)).toEqual([]);
    expect(mesh.mesh.preservation.active).toBe(false);
  });

  it('counts the nodes that went offline in the same window, not only those of one pass', async () => {
    const { mesh, nodes } = await network();
    // 4 nodes (10%) go silent, then 4 more a minute later: each pass alone sees 10%, the window 20%.
    await run(mesh, MINUTE, nodes.slice(4));
    const passes = await run(mesh, OFFLINE_AFTER + MINUTE, nodes.slice(8));
    expect(passes.flat()).toEqual(['n00', 'n01', 'n02', 'n03']);
    expect(mesh.mesh.preservation.active).toBe(true);
    expect((await preservationEvents(mesh))[0]).toMatchObject({ change: 'entered', activeNodes: 40, silentNodes: 8 });
    expect(await statusOf(mesh, 'offline')).toEqual(['n00', 'n01', 'n02', 'n03']);
  });

  it('keeps the start-up grace: nobody offline, no self-preservation, before a full threshold', async () => {
    const mesh = await createTestMesh();
    t = mesh;
    await activeNodes(mesh, 4);
    mesh.clock.advance(OFFLINE_AFTER - 1);
    expect((await sweepOnce(mesh.mesh)).wentOffline).toEqual([]);
    expect(mesh.mesh.preservation.active).toBe(false);
    // All four silent since their approval: mesh has now been up long enough to say.
    mesh.clock.advance(2);
    expect((await sweepOnce(mesh.mesh)).wentOffline).toEqual([]);
    expect(mesh.mesh.preservation.active).toBe(true);
  });
});

describe('self-preservation over the transports', () => {
  const defer = useCleanups();

  it('shows in GET /health, GET /topology (whose kept answer it invalidates), the events log, and the SDK', async () => {
    const clock = new TestClock();
    const sovereign = newSigner(clock);
    // The sweeper's own timer stays out of the way: the test runs each pass.
    const running = await startTestServer(defer, {
      config: { sovereignKeys: [sovereign.publicKey], sweepIntervalMs: 3_600_000 },
      clock,
    });
    const mesh: TestMesh = {
      mesh: running.mesh,
      api: createCaller(createContext(running.mesh)),
      clock,
      sovereign,
      network: running.mesh.config.network,
    };
    const nodes = await activeNodes(mesh, 10);
    clock.advance(OFFLINE_AFTER);
    for (const node of nodes) await node.heartbeat();

    expect(((await (await fetch(`${running.url}/health`)).json()) as Info).selfPreservation.active).toBe(false);
    await run(mesh, OFFLINE_AFTER, nodes.slice(3));
    clock.advance(MINUTE);
    // Kept as bytes until the registry's answers change: entering self-preservation must change them.
    const before = await fetch(`${running.url}/topology`);
    const tag = before.headers.get('etag') ?? '';
    expect(((await before.json()) as Topology).selfPreservation).toMatchObject({ active: false, draining: false });
    expect((await fetch(`${running.url}/topology`, { headers: { 'if-none-match': tag } })).status).toBe(304);

    expect((await sweepOnce(running.mesh)).wentOffline).toEqual([]);
    const state = {
      active: true,
      since: clock.now(),
      until: clock.now() + 900_000,
      activeNodes: 10,
      silentNodes: 3,
      draining: false,
    };

    const after = await fetch(`${running.url}/topology`, { headers: { 'if-none-match': tag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as Topology).selfPreservation).toEqual(state);
    const health = (await (await fetch(`${running.url}/health`)).json()) as Info;
    expect(health.selfPreservation).toEqual(state);
    expect(health).toMatchObject({ status: 'ok', service: 'mesh', offlineAfterMs: OFFLINE_AFTER });

    const page = (await (
      await fetch(`${running.url}/events?types=mesh.self-preservation`, { headers: { accept: 'application/json' } })
    ).json()) as EventPage;
    expect(page.events.map((event) => [event.type, event.selfPreservation?.change])).toEqual([
      ['mesh.self-preservation', 'entered'],
    ]);

    const client = createMeshClient({ url: running.url });
    expect((await client.info()).selfPreservation).toEqual(state);
    expect((await client.trpc.node.topology.query()).selfPreservation).toEqual(state);
  });
});
