/**
 * The failover drill: a primary mesh under heartbeat and registration load, replicated by a real
 * `litestream replicate` to a directory; the primary and Litestream killed with SIGKILL and the
 * primary's directory deleted (the host is gone); `litestream restore` and `mesh restore` on the
 * standby; mesh started there. It measures what was lost (acknowledged writes the replica does not
 * hold, and the time they span) and how long the way back took (kill → first answered request,
 * restore included), and checks that replaying what the primary accepted is refused.
 *
 * Used by `npm run drill` (scripts/drill/run.ts) and, smaller, by scripts/drill/failover.test.ts.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { signedHeartbeat, signedRegister } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import { cleanEnv, ROOT, Running, startTs, tsNodeArgs } from '../../shared/testing/processes.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { privateKeyFromSeed } from '../../shared/sign.js';
import { benchIp, benchNodeId, makeNodeKeys, randomPublicKey, seedDatabase, type SeedNode } from '../bench/seed.js';
import { replicaReady, restoreReplica, startReplicating, writeLitestreamConfig } from './litestream.js';

const NETWORK = 'tana';

export interface DrillOptions {
  /** Where the primary, the replica and the standby live (three directories are made in it). */
  workDir: string;
  /** Nodes in the database before the load (active, seeded directly). */
  nodes: number;
  /** Of those, how many send signed heartbeats during the load. */
  heartbeatingNodes: number;
  /** How long the load runs once the replica holds a first copy. */
  loadMs: number;
  /** Heartbeat senders in parallel (closed loop, one request each at a time). */
  concurrency: number;
  syncIntervalMs: number;
  /** MESH_MAX_FUTURE_SKEW_MS of both meshes: how far past the restore the floor reaches. */
  maxFutureSkewMs: number;
  /** MESH_OFFLINE_AFTER_MS of both meshes. */
  offlineAfterMs: number;
  /**
   * Stop Litestream (SIGSTOP) before the last writes, so that some acknowledged writes are certainly
   * missing from the replica (a replica that lags, as over a slow link): the test's way to replay a
   * request the primary accepted and the replica lost. The drill's figures are taken without it.
   */
  lagReplicaBeforeKill?: { writes: number };
  /** Before the standby starts, wait until every silent node is overdue by its replicated heartbeat. */
  waitUntilOverdue?: boolean;
  log?: (line: string) => void;
}

export interface Ack {
  kind: 'heartbeat' | 'register';
  path: string;
  body: unknown;
  publicKey: string;
  nodeId: string;
  timestamp: number;
  /** When the answer (200) arrived. */
  ackAt: number;
}

export interface DrillResult {
  acknowledged: number;
  /** Acknowledged writes the restored database does not hold. */
  lost: Ack[];
  /** Kill time minus the first lost write's acknowledgement (0 when none was lost). */
  recoveryPointMs: number;
  killAt: number;
  restoreMs: { litestream: number; meshRestore: number };
  /** Kill → first answered request (GET /health), restores and start-up included. */
  recoveryTimeMs: number;
  /** Kill → first signed write accepted (later: the restore floor refuses timestamps up to it). */
  firstWriteMs: number;
  /** When the standby's process was started: no node may go offline before this plus the offline window. */
  standbyStartedAt: number;
  signedAfter: number;
  /** The newest event the replica held: later ones are the standby's own. */
  restoredRevision: number;
  replays: Array<{ ack: Ack; status: number; code: string | undefined; lost: boolean }>;
  standbyUrl: string;
  standbyDb: string;
  /** Nodes that heartbeated during the load (the probe node, the first, excepted). */
  silentNodes: string[];
  close(): Promise<void>;
}

interface MeshProcess {
  running: Running;
  url: string;
  pid: number;
}

function meshEnv(dbPath: string, options: DrillOptions): Record<string, string> {
  return {
    MESH_HOST: '127.0.0.1',
    MESH_PORT: '0',
    MESH_DB_PATH: dbPath,
    // Litestream checkpoints, as it asks to (deploy/litestream.yml, README).
    MESH_DB_CHECKPOINT_INTERVAL_MS: '0',
    MESH_MAX_FUTURE_SKEW_MS: String(options.maxFutureSkewMs),
    MESH_OFFLINE_AFTER_MS: String(options.offlineAfterMs),
    MESH_SWEEP_INTERVAL_MS: '100',
    // Every silent node may go offline in one pass: the drill checks when, not how many.
    MESH_SELF_PRESERVATION_RATIO: '1',
    MESH_OFFLINE_RATE: '1000000',
    MESH_RATE_LIMIT_PER_MINUTE: '1000000',
    MESH_RATE_LIMIT_BURST: '1000000',
    MESH_MAX_PENDING: '1000000',
    MESH_LOG_REQUESTS: 'false',
    MESH_LOG_FORMAT: 'text',
    MESH_VERIFY_THREADS: '0',
    MESH_SERVICE_PROBE_INTERVAL_MS: '0',
  };
}

async function startMeshProcess(env: Record<string, string>): Promise<MeshProcess> {
  const running = startTs('server/main.ts', [], env, { outputLimit: 100_000 });
  const [, port, pid] = await running.waitFor(/mesh \S+ on 127\.0\.0\.1:(\d+), pid (\d+),/, 120_000);
  return { running, url: `http://127.0.0.1:${port}`, pid: Number(pid) };
}

async function post(url: string, body: unknown): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: response.status, code };
}

/** Runs `command` (the mesh CLI through bin/mesh.js) to its end; its output. */
async function runMeshCommand(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [...tsNodeArgs(), 'bin/mesh.js', ...args], { cwd: ROOT, env: cleanEnv(env) });
  const running = new Running(child);
  const code = await running.exited;
  if (code !== 0) throw new Error(`mesh ${args.join(' ')} exited ${code}:\n${running.output}`);
  return running.output;
}

export async function runFailoverDrill(options: DrillOptions): Promise<DrillResult> {
  const log = options.log ?? (() => undefined);
  const primaryDir = join(options.workDir, 'primary');
  const replicaDir = join(options.workDir, 'replica');
  const standbyDir = join(options.workDir, 'standby');
  for (const dir of [primaryDir, replicaDir, standbyDir]) mkdirSync(dir, { recursive: true });
  const primaryDb = join(primaryDir, 'mesh.db');
  // The standby host has the same configuration: the database's path is only the key of the replica.
  const config = writeLitestreamConfig(join(options.workDir, 'litestream.yml'), primaryDb, replicaDir, options.syncIntervalMs);

  const loadKeys = makeNodeKeys('drill', options.heartbeatingNodes);
  const now = Date.now();
  const seeded: SeedNode[] = Array.from({ length: options.nodes }, (_, index) => {
    const key = loadKeys[index];
    return {
      id: key?.nodeId ?? benchNodeId('drill', index),
      publicKey: key?.publicKey ?? randomPublicKey(),
      ip: benchIp(index),
      status: 'active',
      lastHeartbeat: now,
    };
  });
  const seedStarted = performance.now();
  await seedDatabase(primaryDb, { now, sovereignPublicKey: randomBytes(32).toString('hex'), nodes: seeded });
  log(`seeded ${options.nodes} nodes in ${Math.round(performance.now() - seedStarted)} ms`);

  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const primary = await startMeshProcess(meshEnv(primaryDb, options));
    cleanups.push(() => primary.running.stop());
    const litestream = startReplicating(config);
    cleanups.push(() => litestream.stop());
    await waitUntil(() => replicaReady(replicaDir), 'a first snapshot and WAL segment in the replica', 300_000);
    log(`primary on ${primary.url}, replicated to ${replicaDir}`);

    const acks: Ack[] = [];
    let loading = true;
    const signers = loadKeys.map((key) => ({ key, signer: new Signer(privateKeyFromSeed(key.seed)) }));
    const send = async (ack: Omit<Ack, 'ackAt'>): Promise<void> => {
      const answer = await post(`${primary.url}${ack.path}`, ack.body).catch(() => null);
      if (answer?.status === 200) acks.push({ ...ack, ackAt: Date.now() });
    };
    const heartbeat = (index: number) => {
      const { key, signer } = signers[index % signers.length] as (typeof signers)[number];
      const body = signedHeartbeat(signer, { nodeId: key.nodeId }, { network: NETWORK });
      return send({
        kind: 'heartbeat',
        path: '/heartbeat',
        body,
        publicKey: key.publicKey,
        nodeId: key.nodeId,
        timestamp: body.timestamp,
      });
    };
    let registered = 0;
    const register = () => {
      const [key] = makeNodeKeys('joined', 1, registered++);
      const k = key as (typeof loadKeys)[number];
      const body = signedRegister(
        new Signer(privateKeyFromSeed(k.seed)),
        { nodeId: k.nodeId, tailscaleHostname: `${k.nodeId}.ts.net` },
        { network: NETWORK },
      );
      return send({
        kind: 'register',
        path: '/register',
        body,
        publicKey: k.publicKey,
        nodeId: k.nodeId,
        timestamp: body.timestamp,
      });
    };
    // The probe node (the first) stays out of the load: its heartbeat after the restore is the first write.
    const workers = Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let round = 0; loading; round++) {
        if (worker === 0 && round % 4 === 0) await register();
        else await heartbeat(1 + ((round * options.concurrency + worker) % Math.max(1, signers.length - 1)));
      }
    });
    await waitUntil(() => acks.length > 0, 'a first acknowledged write', 60_000);
    const loadUntil = Date.now() + options.loadMs;
    await waitUntil(() => Date.now() >= loadUntil, 'the end of the load', options.loadMs + 60_000);

    if (options.lagReplicaBeforeKill) {
      loading = false;
      await Promise.all(workers);
      litestream.child.kill('SIGSTOP');
      for (let i = 0; i < options.lagReplicaBeforeKill.writes; i++) await (i % 2 === 0 ? heartbeat(1 + i) : register());
    }
    const killAt = Date.now();
    process.kill(primary.pid, 'SIGKILL');
    litestream.child.kill('SIGKILL');
    loading = false;
    await Promise.all(workers);
    await primary.running.exited;
    await litestream.exited;
    rmSync(primaryDir, { recursive: true, force: true });
    log(`killed the primary and Litestream after ${acks.length} acknowledged writes; ${primaryDir} deleted`);

    // The standby host: restore the replica, then put it in place as mesh's database.
    const restored = join(standbyDir, 'restored.db');
    const standbyDb = join(standbyDir, 'mesh.db');
    let mark = performance.now();
    await restoreReplica(config, primaryDb, restored);
    const litestreamMs = performance.now() - mark;
    mark = performance.now();
    const env = meshEnv(standbyDb, options);
    await runMeshCommand(['restore', restored], env);
    const meshRestoreMs = performance.now() - mark;

    // What the replica held, before the restore floor raised every clock.
    const replica = createClient({ url: `file:${restored}` });
    const clocks = new Map(
      (await replica.execute('SELECT public_key, last_timestamp FROM signer_clocks')).rows.map((row) => [
        row[0] as string,
        Number(row[1]),
      ]),
    );
    const restoredRevision = Number((await replica.execute('SELECT coalesce(max(revision), 0) FROM events')).rows[0]?.[0]);
    replica.close();
    const lost = acks.filter((ack) => (clocks.get(ack.publicKey) ?? Number.NEGATIVE_INFINITY) < ack.timestamp);
    const silentNodes = [...new Set(acks.filter((ack) => ack.kind === 'heartbeat').map((ack) => ack.nodeId))];

    if (options.waitUntilOverdue) {
      const newestHeartbeat = Math.max(...acks.map((ack) => ack.ackAt));
      await waitUntil(
        () => Date.now() > newestHeartbeat + options.offlineAfterMs,
        'every load node overdue by its last heartbeat',
        options.offlineAfterMs + 60_000,
      );
    }
    const standbyStartedAt = Date.now();
    const standby = startTs('server/main.ts', [], env, { outputLimit: 100_000 });
    cleanups.push(() => standby.stop());
    const [, port] = await standby.waitFor(/mesh \S+ on 127\.0\.0\.1:(\d+), pid (\d+),/, 120_000);
    const standbyUrl = `http://127.0.0.1:${port}`;
    let answeredAt = 0;
    await waitUntil(
      async () => {
        const ok = await fetch(`${standbyUrl}/health`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) answeredAt = Date.now();
        return ok;
      },
      'the standby answering GET /health',
      60_000,
    );
    const [, signedAfter] = standby.output.match(/with a timestamp up to (\S+) are refused/) ?? [];

    const probe = signers[0] as (typeof signers)[number];
    let firstWriteAt = 0;
    await waitUntil(
      async () => {
        const answer = await post(
          `${standbyUrl}/heartbeat`,
          signedHeartbeat(probe.signer, { nodeId: probe.key.nodeId }, { network: NETWORK }),
        );
        if (answer.status === 200) firstWriteAt = Date.now();
        return answer.status === 200;
      },
      'a first heartbeat accepted by the standby',
      options.maxFutureSkewMs + 60_000,
    );

    // Replays: every write the replica lost, every one acknowledged in the last second before the
    // kill, and the first five of the load (which the replica holds).
    const replayed = acks.filter((ack, index) => index < 5 || lost.includes(ack) || ack.ackAt >= killAt - 1_000);
    const replays = [];
    for (const ack of replayed) {
      const answer = await post(`${standbyUrl}${ack.path}`, ack.body);
      replays.push({ ack, status: answer.status, code: answer.code, lost: lost.includes(ack) });
    }

    const result: DrillResult = {
      acknowledged: acks.length,
      lost,
      recoveryPointMs: lost.length === 0 ? 0 : killAt - Math.min(...lost.map((ack) => ack.ackAt)),
      killAt,
      restoreMs: { litestream: litestreamMs, meshRestore: meshRestoreMs },
      recoveryTimeMs: answeredAt - killAt,
      firstWriteMs: firstWriteAt - killAt,
      standbyStartedAt,
      signedAfter: signedAfter ? Date.parse(signedAfter) : 0,
      restoredRevision,
      replays,
      standbyUrl,
      standbyDb,
      silentNodes,
      close,
    };
    return result;
  } catch (error) {
    await close();
    throw error;
  }
}
