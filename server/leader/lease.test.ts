import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { openDatabase, type MeshDatabase } from '../../db/database.js';
import { lastHeartbeatIdBefore } from '../services/heartbeat-pruning.js';
import { pruneHeartbeatsInBatches, pruneUptimeHoursInBatches, sweepOnce } from '../sweeper.js';
import { HOUR_MS } from '../services/uptime-rollup.js';
import type { MeshConfig } from '../config.js';
import { silentLogger } from '../log.js';
import { createTestMesh, newSigner, TestClock, type TestMesh } from '../testing/harness.js';
import { Scrape } from '../testing/prometheus.js';
import { startTestServer } from '../testing/servers.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { startServiceProbes } from '../probes/service-probes.js';
import { acceptingListener } from '../testing/tcp-listeners.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { FencedWriteError, LeaderLease, newProcessId } from './lease.js';

const LEASE_MS = 15_000;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sharedFile(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return `file:${join(dir, 'mesh.db')}`;
}

async function open(url: string): Promise<MeshDatabase> {
  const database = await openDatabase(url);
  cleanups.push(() => database.close());
  return database;
}

/** A lease on `database` whose monotonic clock the test moves, with the shared wall clock. */
function lease(database: MeshDatabase, clock: TestClock, id: string) {
  const monotonic = { now: 0 };
  const held = new LeaderLease(database, { leaseMs: LEASE_MS, clock, processId: id, monotonic: () => monotonic.now });
  return { lease: held, monotonic };
}

describe('the leader lease', () => {
  it('is taken by the first process, renewed at the same epoch, and taken over with the next epoch only once it expired', async () => {
    const url = sharedFile();
    const clock = new TestClock();
    const a = lease(await open(url), clock, 'a');
    const b = lease(await open(url), clock, 'b');

    expect(await a.lease.tryAcquire()).toBe(true);
    expect(a.lease.status()).toEqual({
      role: 'leader',
      processId: 'a',
      leaderId: 'a',
      epoch: 1,
      leaseExpiresAt: clock.now() + LEASE_MS,
    });
    expect(await b.lease.tryAcquire()).toBe(false);
    expect(await b.lease.tryTakeOver()).toBe(false);
    expect(b.lease.status()).toMatchObject({ role: 'follower', processId: 'b', leaderId: 'a', epoch: 1 });

    // A renewal keeps the epoch, and pushes the expiry on.
    clock.advance(LEASE_MS - 1);
    expect(await a.lease.tryAcquire()).toBe(true);
    clock.advance(LEASE_MS - 1);
    expect(await b.lease.tryTakeOver()).toBe(false);
    expect(a.lease.status().epoch).toBe(1);

    // Not renewed for a whole lease: the next process takes it, one epoch on.
    clock.advance(2);
    expect(await b.lease.tryTakeOver()).toBe(true);
    expect(b.lease.status()).toMatchObject({ role: 'leader', leaderId: 'b', epoch: 2 });
    expect(await a.lease.tryAcquire()).toBe(false);
    expect(a.lease.status()).toMatchObject({ role: 'follower', leaderId: 'b', epoch: 2 });
  });

  it('stops believing it leads once its own deadline passed, even before anyone else took over', async () => {
    const url = sharedFile();
    const clock = new TestClock();
    const a = lease(await open(url), clock, 'a');
    expect(await a.lease.tryAcquire()).toBe(true);
    a.monotonic.now = LEASE_MS - 1;
    expect(a.lease.isLeader).toBe(true);
    a.monotonic.now = LEASE_MS;
    expect(a.lease.isLeader).toBe(false);
    // Nobody else took it: renewing keeps the epoch, and the deadline counts from the renewal.
    expect(await a.lease.tryAcquire()).toBe(true);
    expect(a.lease.isLeader).toBe(true);
    expect(a.lease.status().epoch).toBe(1);
  });

  it('fences writes: inside a transaction, only the holder at its epoch passes', async () => {
    const url = sharedFile();
    const clock = new TestClock();
    const databaseA = await open(url);
    const a = lease(databaseA, clock, 'a');
    const b = lease(await open(url), clock, 'b');
    await expect(databaseA.write((tx) => a.lease.fence(tx))).rejects.toThrow(/does not hold/);
    await a.lease.tryAcquire();
    await databaseA.write((tx) => a.lease.fence(tx));

    clock.advance(LEASE_MS + 1);
    await b.lease.tryTakeOver();
    // `a` still believes it leads (its monotonic clock did not move: a paused process), but the row says otherwise.
    expect(a.lease.isLeader).toBe(true);
    const refused = databaseA.write((tx) => a.lease.fence(tx));
    await expect(refused).rejects.toBeInstanceOf(FencedWriteError);
    await expect(refused).rejects.toThrow('the leader lease moved to b at epoch 2 (this process held epoch 1)');
  });

  it('is given up on release, so that the next process takes it at once', async () => {
    const url = sharedFile();
    const clock = new TestClock();
    const a = lease(await open(url), clock, 'a');
    const b = lease(await open(url), clock, 'b');
    await a.lease.tryAcquire();
    await a.lease.release();
    expect(a.lease.isLeader).toBe(false);
    expect(await b.lease.tryTakeOver()).toBe(true);
    expect(b.lease.status()).toMatchObject({ leaderId: 'b', epoch: 2 });
  });

  it('gives every process an id of its own', () => {
    const ids = new Set(Array.from({ length: 10 }, () => newProcessId()));
    expect(ids.size).toBe(10);
    expect([...ids][0]).toMatch(new RegExp(`:${process.pid}:[0-9a-f]{8}$`));
  });
});

describe('a mesh and the leader lease', () => {
  let meshes: TestMesh[] = [];
  afterEach(() => {
    for (const t of meshes) t.mesh.close();
    meshes = [];
  });

  /** Two processes on one database file and one clock: `a` started first, `b` after it. */
  async function twoProcesses(config: Partial<MeshConfig> = {}) {
    const clock = new TestClock();
    const shared = { dbUrl: sharedFile(), ...config };
    const a = await createTestMesh({ clock, config: shared });
    meshes.push(a);
    const b = await createTestMesh({ clock, config: shared });
    meshes.push(b);
    return { a, b, clock };
  }

  it('leads at once when alone, also on :memory:, and says so in /health and the metrics', async () => {
    const t = await createTestMesh();
    meshes.push(t);
    expect(t.mesh.leader.isLeader).toBe(true);
    const info = await t.api.info();
    expect(info.leader).toMatchObject({ role: 'leader', epoch: 1, leaderId: t.mesh.leader.processId });
    const scrape = new Scrape(await t.mesh.metrics.registry.metrics());
    expect(scrape.value('mesh_leader')).toBe(1);
    expect(scrape.value('mesh_leader_epoch')).toBe(1);
    expect(scrape.value('mesh_leader_fenced_writes_total')).toBe(0);
    expect(scrape.value('mesh_leader_info', { process_id: t.mesh.leader.processId, leader_id: t.mesh.leader.processId })).toBe(1);
  });

  it('a former leader paused past its lease writes nothing when it sweeps: the pass is fenced, the new leader marks the node offline once', async () => {
    const { a, b, clock } = await twoProcesses();
    expect(a.mesh.leader.isLeader).toBe(true);
    expect(b.mesh.leader.isLeader).toBe(false);
    expect((await b.api.info()).leader).toMatchObject({ role: 'follower', leaderId: a.mesh.leader.processId, epoch: 1 });

    const node = newSigner(clock);
    const options = { network: a.network };
    await a.api.node.register(signedRegister(node, { nodeId: 'n1', tailscaleHostname: 'n1.ts.net' }, options));
    await a.api.sovereign.approve(
      signedNodeDecision(a.sovereign, 'approve', { nodeId: 'n1', nodePublicKey: node.publicKey }, options),
    );
    // Silent past the offline threshold (and past the start-up grace), and past a's lease.
    clock.advance(a.mesh.config.offlineAfterMs + 1);
    expect(await b.mesh.leader.tryTakeOver()).toBe(true);
    await b.mesh.hub.catchUp();

    const fenced = sweepOnce(a.mesh);
    await expect(fenced).rejects.toBeInstanceOf(FencedWriteError);
    const aScrape = new Scrape(await a.mesh.metrics.registry.metrics());
    expect(aScrape.value('mesh_sweeper_passes_total', { outcome: 'fenced' })).toBe(1);
    expect((await a.api.node.get({ nodeId: 'n1' })).status).toBe('active');

    expect((await sweepOnce(b.mesh)).wentOffline).toEqual(['n1']);
    await a.mesh.hub.catchUp();
    const offline = (await a.api.events.list({ sinceRevision: 0, limit: 100 })).events.filter(
      (event) => event.type === 'node.offline',
    );
    expect(offline.map((event) => event.nodeId)).toEqual(['n1']);
  });

  it('a former leader paused past its lease deletes no heartbeat history or uptime hours: each pruning batch is fenced, the new leader prunes', async () => {
    const { a, b, clock } = await twoProcesses({ heartbeatRetentionMs: 60_000 });
    const node = newSigner(clock);
    const options = { network: a.network };
    await a.api.node.register(signedRegister(node, { nodeId: 'n1', tailscaleHostname: 'n1.ts.net' }, options));
    await a.api.sovereign.approve(
      signedNodeDecision(a.sovereign, 'approve', { nodeId: 'n1', nodePublicKey: node.publicKey }, options),
    );
    for (let beat = 0; beat < 3; beat++) await a.api.health.heartbeat(signedHeartbeat(node, { nodeId: 'n1' }, options));
    // Past the history's retention, and past a's lease.
    clock.advance(60_001);
    expect(await b.mesh.leader.tryTakeOver()).toBe(true);
    const edge = await b.mesh.database.write((tx) => lastHeartbeatIdBefore(tx, clock.now() - 60_000));
    expect(edge).not.toBeNull();
    const rows = async () => (await a.mesh.database.client.execute('SELECT count(*) AS n FROM heartbeats')).rows[0]?.n;

    await expect(pruneHeartbeatsInBatches(a.mesh, edge as number, 2)).rejects.toBeInstanceOf(FencedWriteError);
    expect(await rows()).toBe(3);
    expect(await pruneHeartbeatsInBatches(b.mesh, edge as number, 2)).toBe(3);
    expect(await rows()).toBe(0);

    // The uptime hours a pass finds past their retention go the same way.
    const hours = async () => (await a.mesh.database.client.execute('SELECT count(*) AS n FROM node_uptime_hours')).rows[0]?.n;
    expect(await hours()).toBe(1);
    const nextHour = Math.floor(clock.now() / HOUR_MS) + 1;
    await expect(pruneUptimeHoursInBatches(a.mesh, nextHour, 1)).rejects.toBeInstanceOf(FencedWriteError);
    expect(await hours()).toBe(1);
    expect(await pruneUptimeHoursInBatches(b.mesh, nextHour, 1)).toBe(1);
    expect(await hours()).toBe(0);
  });

  it('a leader stopped gracefully gives the lease up: another process leads at its next look, long before the lease would run out', async () => {
    const url = sharedFile();
    // A lease far longer than the wait below: only the release can hand it over in time.
    const config = { leaderLeaseMs: 600_000, eventPollMs: 20 };
    const first = await startTestServer((stop) => cleanups.push(stop), { dbUrl: url, config });
    const second = await startTestServer((stop) => cleanups.push(stop), { dbUrl: url, config });
    expect(first.mesh.leader.isLeader).toBe(true);
    expect(second.mesh.leader.isLeader).toBe(false);
    await first.close();
    await waitUntil(() => second.mesh.leader.isLeader, 'the second process to take over', 10_000);
    expect(second.mesh.leader.status()).toMatchObject({ role: 'leader', epoch: 2, leaderId: second.mesh.leader.processId });
  });

  it('a former leader paused past its lease records no service health: the probe result is fenced, counted and logged', async () => {
    const { a, b, clock } = await twoProcesses();
    const ledger = await acceptingListener();
    cleanups.push(() => ledger.close());
    const node = newSigner(clock);
    const options = { network: a.network };
    const services = [{ type: 'ledger', port: ledger.port }];
    await a.api.node.register(
      signedRegister(node, { nodeId: 'n1', tailscaleHostname: 'n1.ts.net', tailscaleIP: '127.0.0.1', services }, options),
    );
    await a.api.sovereign.approve(
      signedNodeDecision(a.sovereign, 'approve', { nodeId: 'n1', nodePublicKey: node.publicKey }, options),
    );
    clock.advance(LEASE_MS + 1);
    expect(await b.mesh.leader.tryTakeOver()).toBe(true);

    const warned: string[] = [];
    const probes = startServiceProbes(a.mesh, { info: () => {}, warn: (message) => warned.push(message), error: () => {} });
    cleanups.push(() => probes.stop());
    await probes.probeAll();
    expect((await a.api.events.list({ types: ['service.health'] })).events).toEqual([]);
    expect(a.mesh.leader.fencedWrites).toBe(1);
    expect(warned).toEqual([
      `service health of n1 not written: the leader lease moved to ${b.mesh.leader.processId} at epoch 2 (this process held epoch 1)`,
    ]);
    // It knows now: it probes no more, and the leader's probes record the change.
    expect(a.mesh.leader.isLeader).toBe(false);
    await b.mesh.hub.catchUp();
    const leaderProbes = startServiceProbes(b.mesh, silentLogger);
    cleanups.push(() => leaderProbes.stop());
    await leaderProbes.probeAll();
    expect((await b.api.events.list({ types: ['service.health'] })).events).toHaveLength(1);
  });
});
