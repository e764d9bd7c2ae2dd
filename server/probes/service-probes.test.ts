import { describe, expect, it } from 'vitest';
import { signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import {
  nodeDetailSchema,
  nodeListSchema,
  topologySchema,
  type ServiceHealth,
  type ServiceView,
} from '../../shared/responses.js';
import { silentLogger } from '../log.js';
import { HEARTBEAT_REFRESH_MS } from '../registry/registry.js';
import { createTestMesh, newSigner, type TestMesh } from '../testing/harness.js';
import { Scrape } from '../testing/prometheus.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { createMeshClient } from '../../client/client.js';
import { createContext } from '../context.js';
import { createCaller } from '../routers/_app.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { acceptingListener, closedPort, hangingListener, type TestListener } from '../testing/tcp-listeners.js';
import { startServiceProbes, type ServiceProbes } from './service-probes.js';

const defer = useCleanups();

interface Setup {
  t: TestMesh;
  /** What the probes logged at info. */
  logged: string[];
  probes: ServiceProbes;
  ledger: TestListener;
  closed: number;
  node: Signer;
}

async function register(
  t: TestMesh,
  signer: Signer,
  nodeId: string,
  services: Array<{ type: string; port: number }>,
  ip = '127.0.0.1',
) {
  await t.api.node.register(
    signedRegister(signer, { nodeId, tailscaleHostname: `${nodeId}.ts.net`, tailscaleIP: ip, services }, { network: t.network }),
  );
}

async function approve(t: TestMesh, nodeId: string, node: Signer) {
  await t.api.sovereign.approve(
    signedNodeDecision(t.sovereign, 'approve', { nodeId, nodePublicKey: node.publicKey }, { network: t.network }),
  );
}

/** A mesh (probes off: the test runs the rounds) with node n1 active at 127.0.0.1: ledger listening, t4 closed. */
async function setup(): Promise<Setup> {
  const t = await createTestMesh({ config: { serviceProbeIntervalMs: 0, serviceProbeTimeoutMs: 5_000 } });
  defer(() => t.mesh.close());
  const logged: string[] = [];
  const probes = startServiceProbes(t.mesh, { info: (message) => logged.push(message), warn: () => {}, error: () => {} });
  defer(() => probes.stop());
  const ledger = await acceptingListener();
  defer(() => ledger.close());
  const closed = await closedPort();
  const node = newSigner(t.clock);
  await register(t, node, 'n1', [
    { type: 'ledger', port: ledger.port },
    { type: 't4', port: closed },
  ]);
  await approve(t, 'n1', node);
  return { t, logged, probes, ledger, closed, node };
}

const healthOf = async (t: TestMesh, nodeId: string): Promise<Record<string, ServiceHealth>> =>
  Object.fromEntries((await t.api.node.get({ nodeId })).services.map((service) => [service.type, service.health]));

const healthEvents = async (t: TestMesh) =>
  (await t.api.events.list({ types: ['service.health'] })).events.map((event) => ({
    actor: event.actor,
    nodeId: event.nodeId,
    health: Object.fromEntries((event.node?.services ?? []).map((service) => [service.type, service.health.status])),
  }));

describe('service probes', () => {
  it('shows each service of an active node up or down, from unknown, and records each change once as an event', async () => {
    const { t, logged, probes, ledger, closed } = await setup();
    const unknown = { status: 'unknown', checkedAt: null, latencyMs: null };
    expect(await healthOf(t, 'n1')).toEqual({ ledger: unknown, t4: unknown });
    const versionBefore = t.mesh.registry.answersVersion;

    await probes.probeAll();
    const found = await healthOf(t, 'n1');
    expect(found.ledger).toMatchObject({ status: 'up', checkedAt: t.clock.now() });
    expect(found.ledger?.latencyMs).toEqual(expect.any(Number));
    expect(found.t4).toEqual({ status: 'down', checkedAt: t.clock.now(), latencyMs: null });
    // Lists and topology are cached by this version: a change of health must move it.
    expect(t.mesh.registry.answersVersion).toBeGreaterThan(versionBefore);
    const [listed] = (await t.api.node.list({ status: 'active' })).nodes;
    expect(listed?.services.map((service) => service.health.status)).toEqual(['up', 'down']);
    const topology = await t.api.node.topology();
    expect(topology.services['ledger']?.[0]?.health.status).toBe('up');
    expect(topology.nodes[0]?.services.map((service) => service.health.status)).toEqual(['up', 'down']);

    // One event per change, by the system; the later one carries what the earlier found.
    const events = await healthEvents(t);
    expect(events).toHaveLength(2);
    expect(events.every((event) => event.actor === 'system' && event.nodeId === 'n1')).toBe(true);
    expect(events.at(-1)?.health).toEqual({ ledger: 'up', t4: 'down' });
    expect(logged.sort()).toEqual([`service ledger:${ledger.port} of node n1 is up`, `service t4:${closed} of node n1 is down`]);
  });

  it('moves only the check time and latency when a probe finds the same status: no event, lists catch up like heartbeats', async () => {
    const { t, probes } = await setup();
    await probes.probeAll();
    const eventsBefore = (await healthEvents(t)).length;
    t.clock.advance(60_000);
    await probes.probeAll();
    expect(await healthEvents(t)).toHaveLength(eventsBefore);
    expect((await healthOf(t, 'n1')).ledger).toMatchObject({ status: 'up', checkedAt: t.clock.now() });
    t.clock.advance(HEARTBEAT_REFRESH_MS);
    const [listed] = (await t.api.node.list({})).nodes;
    expect(listed?.services[0]?.health.checkedAt).toBe(t.clock.now() - HEARTBEAT_REFRESH_MS);
  });

  it('finds a service that stops listening down, with one more event', async () => {
    const { t, probes, ledger } = await setup();
    await probes.probeAll();
    await ledger.close();
    t.clock.advance(60_000);
    await probes.probeAll();
    expect((await healthOf(t, 'n1')).ledger).toEqual({ status: 'down', checkedAt: t.clock.now(), latencyMs: null });
    const events = await healthEvents(t);
    expect(events).toHaveLength(3);
    expect(events.at(-1)?.health).toEqual({ ledger: 'down', t4: 'down' });
  });

  it('keeps what probes found through other changes of the node, and forgets it when the address changes', async () => {
    const { t, probes, ledger, closed, node } = await setup();
    await probes.probeAll();
    // The registration updated with one more service: a node.updated event, whose view from the
    // database knows no health; what the probes found is kept, and the new service is unknown.
    await register(t, node, 'n1', [
      { type: 'ledger', port: ledger.port },
      { type: 't4', port: closed },
      { type: 'identity', port: closed },
    ]);
    expect((await t.api.events.list({ types: ['node.updated'] })).events).toHaveLength(1);
    expect(Object.values(await healthOf(t, 'n1')).map((health) => health.status)).toEqual(['up', 'down', 'unknown']);
    // Another address: what was found at the old one says nothing about it.
    await register(t, node, 'n1', [{ type: 'ledger', port: ledger.port }], '127.0.0.2');
    expect((await healthOf(t, 'n1')).ledger?.status).toBe('unknown');
  });

  it('probes only active nodes, only at their registered address and ports', async () => {
    const { t, probes, ledger, node } = await setup();
    const pendingService = await acceptingListener();
    defer(() => pendingService.close());
    await register(t, newSigner(t.clock), 'p1', [{ type: 'ledger', port: pendingService.port }]);

    await probes.probeAll();
    expect(pendingService.accepted).toBe(0);
    expect((await healthOf(t, 'p1')).ledger?.status).toBe('unknown');
    expect(ledger.accepted).toBe(1);

    await t.api.sovereign.removeNode(
      signedNodeDecision(t.sovereign, 'remove', { nodeId: 'n1', nodePublicKey: node.publicKey }, { network: t.network }),
    );
    await probes.probeAll();
    expect(ledger.accepted).toBe(1);
  });

  it('counts probes, durations and changes by status only, and the services of active nodes by health', async () => {
    const { t, probes } = await setup();
    await probes.probeAll();
    t.clock.advance(60_000);
    await probes.probeAll();
    const scrape = new Scrape(await t.mesh.metrics.registry.metrics());
    expect(scrape.value('mesh_service_probes_total', { status: 'up' })).toBe(2);
    expect(scrape.value('mesh_service_probes_total', { status: 'down' })).toBe(2);
    expect(scrape.value('mesh_service_probe_duration_seconds')).toBe(4);
    expect(scrape.value('mesh_service_health_changes_total', { status: 'up' })).toBe(1);
    expect(scrape.value('mesh_service_health_changes_total', { status: 'down' })).toBe(1);
    expect(scrape.value('mesh_events_committed_total', { type: 'service.health' })).toBe(2);
    expect(scrape.value('mesh_services', { health: 'up' })).toBe(1);
    expect(scrape.value('mesh_services', { health: 'down' })).toBe(1);
    expect(scrape.labelValues()).not.toContain('n1');
  });

  it('stops without waiting for the timeout of a hanging probe, and records nothing for it', async () => {
    const t = await createTestMesh({ config: { serviceProbeIntervalMs: 0, serviceProbeTimeoutMs: 600_000 } });
    defer(() => t.mesh.close());
    const hanging = await hangingListener();
    defer(() => hanging.close());
    const node = newSigner(t.clock);
    await register(t, node, 'h1', [{ type: 'ledger', port: hanging.port }]);
    await approve(t, 'h1', node);
    const probes = startServiceProbes(t.mesh, silentLogger);
    const probing = probes.probeAll();
    await probes.stop();
    await probing;
    expect((await healthOf(t, 'h1')).ledger?.status).toBe('unknown');
    expect(await healthEvents(t)).toEqual([]);
  });
});

describe('service probes in a running mesh', () => {
  it('start with mesh, and their results reach REST (/nodes, /nodes/:id, /topology) and the typed client', async () => {
    const sovereign = newSigner();
    const running = await startTestServer(defer, {
      config: { sovereignKeys: [sovereign.publicKey], serviceProbeIntervalMs: 50, serviceProbeTimeoutMs: 5_000 },
    });
    const ledger = await acceptingListener();
    defer(() => ledger.close());
    const closed = await closedPort();
    const api = createCaller(createContext(running.mesh));
    const node = newSigner();
    const network = running.mesh.config.network;
    await api.node.register(
      signedRegister(
        node,
        {
          nodeId: 'n1',
          tailscaleHostname: 'n1.ts.net',
          tailscaleIP: '127.0.0.1',
          services: [
            { type: 'ledger', port: ledger.port },
            { type: 't4', port: closed },
          ],
        },
        { network },
      ),
    );
    await api.sovereign.approve(
      signedNodeDecision(sovereign, 'approve', { nodeId: 'n1', nodePublicKey: node.publicKey }, { network }),
    );

    const rest = async (path: string): Promise<unknown> => (await fetch(`${running.url}${path}`)).json();
    const statuses = (services: ServiceView[]) => services.map((service) => service.health.status);
    const detail = async () => nodeDetailSchema.parse(await rest('/nodes/n1'));
    await waitUntil(
      async () => statuses((await detail()).services).join() === 'up,down',
      'the probes to find ledger up and t4 down',
    );
    const [listed] = nodeListSchema.parse(await rest('/nodes?status=active')).nodes;
    expect(statuses(listed?.services ?? [])).toEqual(['up', 'down']);
    const topology = topologySchema.parse(await rest('/topology'));
    expect(statuses(topology.nodes[0]?.services ?? [])).toEqual(['up', 'down']);
    expect(topology.services['ledger']?.[0]?.health).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });

    const client = createMeshClient({ url: running.url });
    const viaTrpc = await client.trpc.node.get.query({ nodeId: 'n1' });
    expect(viaTrpc.services.map((service) => service.health.status)).toEqual(['up', 'down']);

    // REST keeps list and topology answers as bytes until the registry's answersVersion moves:
    // a change of health must reach them too.
    await ledger.close();
    const listedStatuses = async () =>
      statuses(nodeListSchema.parse(await rest('/nodes?status=active')).nodes[0]?.services ?? []);
    await waitUntil(async () => (await listedStatuses()).join() === 'down,down', 'the cached list to show ledger down');
    const after = topologySchema.parse(await rest('/topology'));
    expect(after.services['ledger']?.[0]?.health.status).toBe('down');
  });
});
