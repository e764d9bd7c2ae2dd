import { afterEach, describe, expect, it } from 'vitest';
import { sweepOnce } from '../sweeper.js';
import { activeNode, createTestMesh, type TestMesh } from '../testing/harness.js';
import { Scrape } from '../testing/prometheus.js';
import { NO_REGION, regionConcentration, regionCounts, RegionTally } from './region-concentration.js';

let t: TestMesh | undefined;
afterEach(() => {
  t?.mesh.close();
  t = undefined;
});

const changes = async (mesh: TestMesh) =>
  (await mesh.api.events.list({ types: ['mesh.concentration'] })).events.map((event) => event.regionConcentration);
const scrape = async (mesh: TestMesh) => new Scrape(await mesh.mesh.metrics.registry.metrics());

describe('region concentration', () => {
  it('kept node by node, judges as counting every node again does', () => {
    type Node = { region: string | null; status: 'pending' | 'active' | 'offline' | 'denied' };
    const nodes = new Map<string, Node>();
    const tally = new RegionTally();
    const put = (id: string, node: Node | null) => {
      const before = nodes.get(id);
      if (before) tally.remove(before);
      if (node) {
        nodes.set(id, node);
        tally.add(node);
      } else nodes.delete(id);
    };
    for (let i = 0; i < 12; i++) put(`n${i}`, { region: i < 5 ? 'eu' : i < 9 ? 'us' : null, status: 'active' });
    expect(regionConcentration(tally.counts())).toEqual(regionConcentration(regionCounts(nodes.values())));
    expect(regionConcentration(tally.counts()).region).toBe('eu');
    // Offline, moved to another region, removed: eu loses its lead and then every node.
    put('n0', { region: 'eu', status: 'offline' });
    put('n1', { region: 'us', status: 'active' });
    put('n2', null);
    expect(regionConcentration(tally.counts())).toEqual(regionConcentration(regionCounts(nodes.values())));
    expect(regionConcentration(tally.counts()).region).toBe('us');
    for (const id of ['n0', 'n3', 'n4']) put(id, null);
    expect(regionConcentration(tally.counts())).toEqual(regionConcentration(regionCounts(nodes.values())));
    expect(tally.counts().eu).toEqual({ pending: 0, active: 0, offline: 0, denied: 0 });
  });

  it('judges nothing below four active nodes, and more than a third from there on', () => {
    const nodes = (regions: Array<string | null>) => regions.map((region) => ({ region, status: 'active' as const }));
    expect(regionConcentration(regionCounts(nodes(['a', 'a', 'b']))).concentrated).toBe(false);
    expect(regionConcentration(regionCounts(nodes(['a', 'b', 'c', 'd', 'e', 'f'])))).toMatchObject({ concentrated: false });
    // Two of six is exactly a third: not more than a third.
    expect(regionConcentration(regionCounts(nodes(['a', 'a', 'b', 'b', 'c', 'c']))).concentrated).toBe(false);
    expect(regionConcentration(regionCounts(nodes(['a', 'a', 'b', 'c'])))).toEqual({
      concentrated: true,
      region: 'a',
      regionActiveNodes: 2,
      activeNodes: 4,
      share: 0.5,
    });
    // Nodes without a region count among the active ones, never as one region.
    expect(regionConcentration(regionCounts(nodes([null, null, null, 'a'])))).toMatchObject({ concentrated: false, region: 'a' });
  });

  it('records entering and leaving in events, shows it in /health, topology and the metrics', async () => {
    const mesh = await createTestMesh();
    t = mesh;
    for (const [id, region] of [
      ['w1', 'eu-west'],
      ['e1', 'us-east'],
      ['a1', 'ap-south'],
    ] as const)
      await activeNode(mesh, id, { region });
    await activeNode(mesh, 'x1');
    await sweepOnce(mesh.mesh);
    expect(await changes(mesh)).toEqual([]);
    expect((await mesh.api.info()).regionConcentration.concentrated).toBe(false);

    await activeNode(mesh, 'w2', { region: 'eu-west' });
    expect((await mesh.api.info()).regionConcentration).toEqual({
      concentrated: true,
      region: 'eu-west',
      regionActiveNodes: 2,
      activeNodes: 5,
      share: 0.4,
    });
    const topology = await mesh.api.node.topology();
    expect(topology.regions['eu-west']?.active).toBe(2);
    expect(topology.regions[NO_REGION]?.active).toBe(1);
    expect(topology.regionConcentration.concentrated).toBe(true);
    expect((await scrape(mesh)).value('mesh_region_concentrated')).toBe(1);
    expect((await scrape(mesh)).value('mesh_region_largest_share')).toBe(0.4);

    await sweepOnce(mesh.mesh);
    await sweepOnce(mesh.mesh);
    expect(await changes(mesh)).toEqual([
      { change: 'entered', state: expect.objectContaining({ region: 'eu-west', activeNodes: 5 }) },
    ]);

    await activeNode(mesh, 's1', { region: 'sa-east' });
    await activeNode(mesh, 's2', { region: 'sa-east' });
    expect((await mesh.api.info()).regionConcentration).toMatchObject({ concentrated: false, activeNodes: 7 });
    await sweepOnce(mesh.mesh);
    expect((await changes(mesh)).map((change) => change?.change)).toEqual(['entered', 'exited']);
    expect((await scrape(mesh)).value('mesh_region_concentrated')).toBe(0);
  });
});
