import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../client/agent.js';
import { createMeshClient } from '../../client/client.js';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import { readSseFrames } from '../../client/sse.js';
import { listeningUrl, startMeshServer, type Running } from '../../client/testing/processes.js';
import type { MeshEvent } from '../../shared/events.js';
import type { Info } from '../../shared/responses.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { silentLogger } from '../log.js';
import { newSigner } from '../testing/harness.js';
import { Scrape } from '../testing/prometheus.js';

// Short enough for a test, in the proportions of the defaults: the lease renewed every third, the
// sweeper several times per lease, a node offline after twice the lease.
const LEASE_MS = 1500;
const SWEEP_MS = 300;
const POLL_MS = 50;
const OFFLINE_AFTER_MS = 3000;
const NETWORK = 'tana';
/** A request to a process that may be stopped (SIGSTOP) must not hang the test. */
const REQUEST_TIMEOUT_MS = 2000;

interface Process {
  name: string;
  running: Running;
  url: string;
}

const { dir, cleanup } = tempDir();
const dbPath = join(dir, 'mesh.db');
const sovereign = newSigner();
const processes: Process[] = [];
/** Every process started, kept before its start is awaited: all are stopped, whatever happened. */
const started: Array<{ name: string; running: Running }> = [];
let db: Client;

function start(): Running {
  return startMeshServer({
    MESH_DB_PATH: dbPath,
    MESH_LEADER_LEASE_MS: String(LEASE_MS),
    MESH_SWEEP_INTERVAL_MS: String(SWEEP_MS),
    MESH_EVENT_POLL_MS: String(POLL_MS),
    MESH_OFFLINE_AFTER_MS: String(OFFLINE_AFTER_MS),
    MESH_HEARTBEAT_INTERVAL_MS: '500',
    // Every node of a test may go silent at once: that is the point, not mesh being cut off.
    MESH_SELF_PRESERVATION_RATIO: '1',
    MESH_RATE_LIMIT_PER_MINUTE: '1000000',
    MESH_RATE_LIMIT_BURST: '1000000',
    MESH_MAX_PENDING: '1000000',
    MESH_VERIFY_THREADS: '0',
    MESH_SERVICE_PROBE_INTERVAL_MS: '0',
    MESH_SOVEREIGN_KEYS: sovereign.publicKey,
    MESH_LOG_FORMAT: 'json',
    MESH_NETWORK: NETWORK,
  });
}

beforeAll(async () => {
  started.push(...['p1', 'p2', 'p3'].map((name) => ({ name, running: start() })));
  for (const { name, running } of started) processes.push({ name, running, url: await listeningUrl(running) });
  db = createClient({ url: `file:${dbPath}` });
}, 60_000);

afterAll(async () => {
  for (const { running } of started) {
    if (running.child.signalCode === null && running.child.exitCode === null) running.child.kill('SIGCONT');
    await running.stop();
  }
  db?.close();
  cleanup();
});

const alive = () => processes.filter(({ running }) => running.child.exitCode === null && running.child.signalCode === null);

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const health = (process: Process) => get<Info>(`${process.url}/health`);
const scrape = (process: Process) => Scrape.of(process.url);

async function leaders(among: Process[]): Promise<Array<{ process: Process; info: Info }>> {
  const infos = await Promise.all(among.map(async (process) => ({ process, info: await health(process) })));
  return infos.filter(({ info }) => info.leader.role === 'leader');
}

interface Node {
  id: string;
  signer: Signer;
}

async function register(process: Process, id: string): Promise<Node> {
  const signer = newSigner();
  const answer = await post(
    `${process.url}/register`,
    signedRegister(signer, { nodeId: id, tailscaleHostname: `${id}.ts.net` }, { network: NETWORK }),
  );
  if (answer.status !== 200) throw new Error(`registering ${id} on ${process.name}: ${answer.status}`);
  return { id, signer };
}

async function approve(process: Process, node: Node): Promise<void> {
  const body = signedNodeDecision(
    sovereign,
    'approve',
    { nodeId: node.id, nodePublicKey: node.signer.publicKey },
    { network: NETWORK },
  );
  const answer = await post(`${process.url}/approve/${node.id}`, body);
  if (answer.status !== 200)
    throw new Error(`approving ${node.id} on ${process.name}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** node.offline events per node id, as the database holds them. */
async function offlineEvents(): Promise<Map<string, number>> {
  const { rows } = await db.execute("select node_id, count(*) as n from events where type = 'node.offline' group by node_id");
  return new Map(rows.map((row) => [row.node_id as string, Number(row.n)]));
}

async function leaseRow(): Promise<{ holder: string; epoch: number; expiresAt: number }> {
  const { rows } = await db.execute('select holder, epoch, expires_at from mesh_leader where id = 1');
  const row = rows[0];
  if (!row) throw new Error('no lease row');
  return { holder: row.holder as string, epoch: Number(row.epoch), expiresAt: Number(row.expires_at) };
}

/** The events a process streams over SSE from `since` on, collected in the background. */
function watch(process: Process, since: number): { events: MeshEvent[]; close(): void } {
  const controller = new AbortController();
  const events: MeshEvent[] = [];
  void (async () => {
    const response = await fetch(`${process.url}/events?since=${since}`, { signal: controller.signal });
    for await (const frame of readSseFrames(response.body as AsyncIterable<Uint8Array>)) {
      events.push(JSON.parse(frame.data) as MeshEvent);
    }
  })().catch(() => undefined);
  return { events, close: () => controller.abort() };
}

/** Signed heartbeats for `nodes`, each node in turn to the next process, until stopped; what was acknowledged. */
function heartbeatLoad(nodes: Node[], targets: () => Process[]) {
  const acknowledged: Array<{ nodeId: string; receivedAt: number }> = [];
  let stopped = false;
  let turn = 0;
  const loop = (async () => {
    while (!stopped) {
      for (const node of nodes) {
        const all = targets();
        const target = all[turn++ % all.length] as Process;
        const answer = await post(
          `${target.url}/heartbeat`,
          signedHeartbeat(node.signer, { nodeId: node.id }, { network: NETWORK }),
        ).catch(() => null);
        // Not acknowledged (the process was killed mid-request): nothing is owed for it.
        if (answer?.status === 200) acknowledged.push({ nodeId: node.id, receivedAt: Number(answer.body.receivedAt) });
      }
    }
  })();
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Registrations of fresh nodes, each to the next process, until stopped; the ids acknowledged. */
function registrationLoad(prefix: string, targets: () => Process[]) {
  const acknowledged: string[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const all = targets();
      const target = all[i % all.length] as Process;
      const id = `${prefix}-${i}`;
      const answer = await post(
        `${target.url}/register`,
        signedRegister(newSigner(), { nodeId: id, tailscaleHostname: `${id}.ts.net` }, { network: NETWORK }),
      ).catch(() => null);
      if (answer?.status === 200) acknowledged.push(id);
    }
  })();
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Sweeper passes `process` committed: time, as the leader's own work measures it. */
async function sweepPasses(process: Process): Promise<number> {
  return (await scrape(process)).value('mesh_sweeper_passes_total', { outcome: 'ok' });
}

describe('three mesh processes on one database file', () => {
  it('exactly one of them leads, and all three say which one, at the same epoch', async () => {
    await waitUntil(async () => (await leaders(processes)).length === 1, 'one leader among the three');
    const infos = await Promise.all(processes.map(health));
    const [leader] = await leaders(processes);
    const leaderId = leader?.info.leader.processId;
    expect(new Set(infos.map((info) => info.leader.processId)).size).toBe(3);
    for (const info of infos) expect(info.leader).toMatchObject({ leaderId, epoch: 1 });
    // Only the leader sweeps.
    const leaderProcess = leader?.process as Process;
    await waitUntil(async () => (await sweepPasses(leaderProcess)) > 0, 'the leader to sweep');
    for (const process of processes.filter((p) => p !== leaderProcess)) {
      const metrics = await scrape(process);
      expect(metrics.value('mesh_leader')).toBe(0);
      expect(metrics.value('mesh_sweeper_passes_total')).toBe(0);
    }
    expect((await scrape(leaderProcess)).value('mesh_leader')).toBe(1);
  });

  it("every process's discovery and event stream reflect a change made on another", async () => {
    const since = await revision();
    const streams = processes.map((process) => ({ process, stream: watch(process, since) }));
    try {
      for (const origin of processes) {
        const id = `made-on-${origin.name}`;
        await register(origin, id);
        for (const { process, stream } of streams) {
          await waitUntil(
            async () =>
              (await get<{ nodes: Array<{ id: string }> }>(`${process.url}/nodes`)).nodes.some((node) => node.id === id),
            `${id} in the discovery of ${process.name}`,
          );
          await waitUntil(
            () => stream.events.some((event) => event.type === 'node.registered' && event.nodeId === id),
            `${id} on the event stream of ${process.name}`,
          );
        }
      }
      // In one order everywhere: the log's.
      const orders = streams.map(({ stream }) => stream.events.map((event) => event.revision));
      for (const order of orders) expect(order).toEqual(orders[0]);
    } finally {
      for (const { stream } of streams) stream.close();
    }
  });

  it('kill -9 of the leader: another leads within one lease plus one sweep, no node goes offline twice or is missed, nothing acknowledged is lost', async () => {
    const [current] = await leaders(processes);
    const leader = current?.process as Process;
    const [first, second, third] = processes;
    // Nodes that keep beating, to every process in turn, and nodes that go silent once approved:
    // some before the kill (the old leader marks them), some after (the new one must).
    const beating: Node[] = [];
    for (let i = 0; i < 4; i++) beating.push(await register(processes[i % 3] as Process, `beating-${i}`));
    const early: Node[] = [];
    for (let i = 0; i < 3; i++) early.push(await register(processes[i % 3] as Process, `early-${i}`));
    const late: Node[] = [];
    for (let i = 0; i < 3; i++) late.push(await register(processes[i % 3] as Process, `late-${i}`));
    for (const [i, node] of [...beating, ...early].entries()) await approve(processes[i % 3] as Process, node);
    const heartbeats = heartbeatLoad(beating, alive);
    const registrations = registrationLoad('load', alive);
    try {
      await waitUntil(async () => {
        const offline = await offlineEvents();
        return early.every((node) => offline.has(node.id));
      }, 'the leader to mark the early silent nodes offline');
      for (const [i, node] of late.entries()) await approve([first, second, third][i % 3] as Process, node);

      leader.running.child.kill('SIGKILL');
      await leader.running.exited;
      const before = await leaseRow();
      const survivors = alive();
      expect(survivors).toHaveLength(2);
      await waitUntil(async () => (await leaders(survivors)).length === 1, 'a survivor to lead');
      const [next] = await leaders(survivors);
      const newLeader = next?.process as Process;
      expect(next?.info.leader.epoch).toBe(before.epoch + 1);
      // A follower learns the new leader at its next read of the lease row (every MESH_EVENT_POLL_MS).
      await waitUntil(async () => {
        const seen = await Promise.all(survivors.map(async (process) => (await health(process)).leader.leaderId));
        return seen.every((leaderId) => leaderId === next?.info.leader.processId);
      }, 'every survivor to name the new leader');
      // When the new leader took the lease, by its own log line: at most a sweep interval after the
      // old lease (renewed at most a lease before the kill) ran out.
      const [logged] = await newLeader.running.waitFor(new RegExp(`^.*"msg":"leading, epoch ${before.epoch + 1}".*$`, 'm'));
      const takenAt = Number(/"leaseExpiresAt":(\d+)/.exec(logged)?.[1]) - LEASE_MS;
      expect(takenAt).toBeLessThanOrEqual(before.expiresAt + SWEEP_MS);

      await waitUntil(async () => {
        const offline = await offlineEvents();
        return late.every((node) => offline.has(node.id));
      }, 'the new leader to mark the late silent nodes offline');
      // A few more passes of the new leader: a node marked twice would show by now.
      const passes = await sweepPasses(newLeader);
      await waitUntil(async () => (await sweepPasses(newLeader)) >= passes + 3, 'three more sweeper passes');
    } finally {
      await heartbeats.stop();
      await registrations.stop();
    }

    const offline = await offlineEvents();
    for (const node of [...early, ...late]) expect(offline.get(node.id), node.id).toBe(1);
    for (const node of beating) expect(offline.get(node.id), node.id).toBeUndefined();

    // Every acknowledged registration and heartbeat is in the database.
    expect(registrations.acknowledged.length).toBeGreaterThan(0);
    const { rows: nodeRows } = await db.execute("select id from nodes where id like 'load-%'");
    const stored = new Set(nodeRows.map((row) => row.id as string));
    expect(registrations.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(heartbeats.acknowledged.length).toBeGreaterThan(0);
    const { rows: beatRows } = await db.execute("select node_id, timestamp from heartbeats where node_id like 'beating-%'");
    const beats = new Set(beatRows.map((row) => `${row.node_id as string}@${Number(row.timestamp)}`));
    expect(heartbeats.acknowledged.filter(({ nodeId, receivedAt }) => !beats.has(`${nodeId}@${receivedAt}`))).toEqual([]);
  });

  it('a leader paused (SIGSTOP) past its lease and resumed does not sweep again: another took over, and it follows', async () => {
    const survivors = alive();
    const [current] = await leaders(survivors);
    const paused = current?.process as Process;
    const other = survivors.find((process) => process !== paused) as Process;
    const { epoch } = current?.info.leader ?? { epoch: 0 };
    const passesBefore = await sweepPasses(paused);

    paused.running.child.kill('SIGSTOP');
    try {
      await waitUntil(
        async () => (await health(other)).leader.role === 'leader',
        'the other survivor to take over from the paused leader',
      );
      // A node goes silent while the former leader is paused: the new leader marks it, once.
      const silent = await register(other, 'silent-while-paused');
      await approve(other, silent);
      await waitUntil(async () => (await offlineEvents()).has(silent.id), 'the new leader to mark the silent node offline');
    } finally {
      paused.running.child.kill('SIGCONT');
    }

    const otherInfo = await health(other);
    expect(otherInfo.leader.epoch).toBe(epoch + 1);
    await waitUntil(
      async () => (await health(paused)).leader.leaderId === otherInfo.leader.processId,
      'the resumed process to follow the new leader',
    );
    expect((await health(paused)).leader).toMatchObject({ role: 'follower', epoch: epoch + 1 });
    // A pass that had committed before the pause may be counted just after it (one at most: passes
    // do not overlap); one in flight but not yet committed would have been refused by its fence.
    const passesResumed = await sweepPasses(paused);
    expect(passesResumed - passesBefore).toBeLessThanOrEqual(1);
    // Its sweeper timer has come round several times since (the other's as often): not one pass went through.
    const otherPasses = await sweepPasses(other);
    await waitUntil(async () => (await sweepPasses(other)) >= otherPasses + 3, 'three more passes of the new leader');
    const metrics = await scrape(paused);
    expect(metrics.value('mesh_sweeper_passes_total', { outcome: 'ok' })).toBe(passesResumed);
    expect(metrics.value('mesh_leader')).toBe(0);
    // Any pass it did start was refused inside its transaction, and counted.
    expect(metrics.value('mesh_sweeper_passes_total', { outcome: 'fenced' })).toBe(
      metrics.value('mesh_leader_fenced_writes_total'),
    );
    for (const [nodeId, count] of await offlineEvents()) expect(count, nodeId).toBe(1);
  });

  it('an agent keeps its node active while the process it talks to is killed (kill -9)', async () => {
    const survivors = alive();
    const [leading] = await leaders(survivors);
    const target = survivors.find((process) => process !== leading?.process) ?? survivors[0];
    if (!target) throw new Error('no process left to talk to');
    const others = survivors.filter((process) => process !== target);
    const node: Node = { id: 'agent-node', signer: newSigner() };
    // The process it talks to first, then the others: the client fails over in that order.
    const client = createMeshClient({ url: [target.url, ...others.map((process) => process.url)] });
    const agent = startAgent({
      client,
      key: node.signer,
      registration: { nodeId: 'agent-node', tailscaleHostname: 'agent-node.ts.net' },
      logger: silentLogger,
      intervalMs: 300,
      retryDelayMs: 50,
    });
    try {
      await waitUntil(
        async () => (await db.execute("select 1 from nodes where id = 'agent-node'")).rows.length === 1,
        'the agent to register',
      );
      await approve(target, node);
      await waitUntil(() => agent.status === 'active', 'the agent to see its node active');

      target.running.child.kill('SIGKILL');
      await target.running.exited;
      const killedAt = Date.now();
      const rest = alive();
      await waitUntil(async () => (await leaders(rest)).length === 1, 'a leader among the rest');
      const [leader] = await leaders(rest);
      // Twice the offline threshold in the leader's sweeps: long enough for a silent node to go offline.
      const passes = await sweepPasses(leader?.process as Process);
      await waitUntil(
        async () => (await sweepPasses(leader?.process as Process)) >= passes + (2 * OFFLINE_AFTER_MS) / SWEEP_MS,
        'the leader to sweep through twice the offline threshold',
      );
      const { rows } = await db.execute("select status, last_heartbeat from nodes where id = 'agent-node'");
      expect(rows[0]?.status).toBe('active');
      expect(Number(rows[0]?.last_heartbeat)).toBeGreaterThan(killedAt);
      expect((await offlineEvents()).get('agent-node')).toBeUndefined();
      expect(agent.status).toBe('active');
    } finally {
      await agent.stop();
    }
  });
});

async function revision(): Promise<number> {
  const { rows } = await db.execute('select coalesce(max(revision), 0) as r from events');
  return Number(rows[0]?.r);
}
