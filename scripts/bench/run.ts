/**
 * `npm run bench`: how far mesh is from its headline (one 2-core machine, 1,000,000 validators).
 *
 * Starts mesh on temporary databases seeded directly, loads it from a separate process over
 * 127.0.0.1 (every load bounded in time and count), measures the machine's limits in the same run,
 * prints one table and writes it to BENCHMARKS.md. Temporary files and child processes are removed
 * on every exit path.
 *
 *   npm run bench                 full run (about 2 to 3 minutes), writes BENCHMARKS.md
 *   npm run bench -- --quick      shorter loads, for trying the benchmark itself; writes nothing
 *   npm run bench -- --no-write   full run, table on stdout only
 *   npm run bench -- --profile    REST then tRPC heartbeats only, each with mesh under
 *                                 node --cpu-prof; profiles in bench-profiles/, summary printed
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { availableParallelism, cpus, arch, release, tmpdir, type as osType } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { privateKeyFromSeed, publicKeyHex } from '../../shared/sign.js';
import { signedHeartbeat } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import type { EventsResult, FixedHttpJob, HeartbeatJob, KeysFile, LoadResult, NodeKey } from './jobs.js';
import { measureEd25519Verify, type VerifyLimit } from './limits.js';
import {
  cleanEnv,
  cpuMeter,
  type CpuShares,
  waitForQuiet,
  freePort,
  killAllChildrenNow,
  memory,
  ROOT,
  runLoad,
  spawnTs,
  spawnUntilReady,
  stopAllChildren,
  stopChild,
  type StartedProcess,
} from './processes.js';
import { formatSummary, readProfile, summarise } from './profile-summary.js';
import {
  benchmarksPage,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  ratioOf,
  textTable,
  type MachineInfo,
  type Row,
} from './report.js';
import { measureSweep, type SweepFigure } from './scale.js';
import { benchIp, benchNodeId, makeNodeKeys, randomPublicKey, seedDatabase, type SeedNode } from './seed.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const PROFILE = args.has('--profile');
const WRITE = !QUICK && !PROFILE && !args.has('--no-write');

const NETWORK = 'bench';
const CONNECTIONS = 50;
const WARMUP_MS = QUICK ? 500 : 1_000;
const DURATION_MS = QUICK ? 2_000 : PROFILE ? 8_000 : 5_000;
/** Heartbeats pre-signed per heartbeat figure: enough for 10,000/s through warm-up and measurement. */
const PRESIGNED = QUICK ? 20_000 : PROFILE ? 100_000 : 60_000;
const HEARTBEAT_NODES = 1_000;
const PENDING_NODES = 200;
const DISCOVERY_SIZES = [1_000, 10_000] as const;
const SCALE_NODES = 100_000;
const NEEDS_EVENTS_ISSUE = 'needs the events issue: ETag / SSE';

const TARGETS = {
  heartbeatsPerSecond: 8_334,
  heartbeatP99Ms: 20,
  trpcShare: 0.5,
  discoveryShare: 0.8,
  eventsP99OneMs: 3,
  eventsP99ThousandMs: 100,
  rssBytes: 256 * 1024 * 1024,
  startupMs: 2_000,
  sweepMs: 50,
};

const benchStarted = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: temporary directory and child processes, on every way out.

/** Removes what an earlier run killed hard (SIGKILL leaves no chance to clean up) left behind. */
function removeStaleTempDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('mesh-bench-')) continue;
    const dir = join(tmpdir(), name);
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // not ours to judge
    }
    try {
      process.kill(owner, 0);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
removeStaleTempDirs();
const tempDir = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
writeFileSync(join(tempDir, 'owner.pid'), String(process.pid));
let cleanedUp = false;
function cleanupNow(): void {
  if (cleanedUp) return;
  cleanedUp = true;
  killAllChildrenNow();
  rmSync(tempDir, { recursive: true, force: true });
}
process.once('exit', cleanupNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping`);
    cleanupNow();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// mesh and the bare server as processes

interface RunningServer extends StartedProcess {
  origin: string;
}

const MESH_READY = /mesh \S+ on ([^\s,]+):(\d+),/;
const BARE_READY = /bare listening on 127\.0\.0\.1:(\d+)/;

function meshEnv(dbPath: string, port = 0): Record<string, string> {
  return cleanEnv({
    MESH_PORT: String(port),
    MESH_HOST: '127.0.0.1',
    MESH_DB_PATH: dbPath,
    MESH_NETWORK: NETWORK,
    MESH_LOG_REQUESTS: 'false',
  });
}

async function startMesh(dbPath: string, nodeArgs: string[] = []): Promise<RunningServer> {
  const started = await spawnUntilReady('server/main.ts', { env: meshEnv(dbPath), nodeArgs, ready: MESH_READY });
  return { ...started, origin: `http://127.0.0.1:${started.match[2]}` };
}

async function startBare(env: Record<string, string> = {}): Promise<RunningServer> {
  const started = await spawnUntilReady('scripts/bench/bare-server.ts', { env: cleanEnv(env), ready: BARE_READY });
  return { ...started, origin: `http://127.0.0.1:${started.match[1]}` };
}

interface Fetched {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One plain request (setup and checks, not load). */
function fetchOnce(origin: string, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') flat[name] = value;
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Whether GET /events answers as a Server-Sent Events stream (the events issue). Reads only the headers. */
function servesEvents(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(`${origin}/events`, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      const ok = res.statusCode === 200 && String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      req.destroy();
      resolve(ok);
    });
    req.setTimeout(3_000, () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Measured<R> {
  result: R;
  /** CPU of the server process and of the whole machine while the clock ran, in cores. */
  cpu: CpuShares;
  window: { start: number; end: number };
}

const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '?');
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

/** At most this long in all is spent waiting for a quiet machine before figures. */
let quietBudgetMs = 60_000;
const noisyFigures: string[] = [];

async function load<R extends LoadResult | EventsResult>(
  server: StartedProcess,
  job: Parameters<typeof runLoad>[0],
  timeoutMs?: number,
): Promise<Measured<R>> {
  const quiet = await waitForQuiet({ maxMs: Math.min(15_000, quietBudgetMs) });
  quietBudgetMs -= quiet.waitedMs;
  if (quiet.busy >= 0.25) {
    noisyFigures.push(`${job.label} (the machine was still ${cores(quiet.busy)} cores busy when it started)`);
    progress(`machine busy (${cores(quiet.busy)} cores) before ${job.label}: measuring anyway`);
  }
  const meter = cpuMeter(server.pid);
  const window = { start: 0, end: 0 };
  const result = await runLoad<R>(
    job,
    {
      onMeasuring() {
        window.start = nowMicros();
        meter.onMeasuring?.();
      },
      onMeasured() {
        window.end = nowMicros();
        meter.onMeasured?.();
      },
    },
    timeoutMs,
  ).catch(async (error: unknown) => {
    // The loader may notice a dead server before this process has reaped it: give the exit a moment.
    if (server.child.exitCode === null && server.child.signalCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const { exitCode, signalCode } = server.child;
    const state = exitCode === null && signalCode === null ? 'was still running' : `had exited (${signalCode ?? exitCode})`;
    throw new Error(
      `${(error as Error).message}\nthe server (pid ${server.pid}) ${state}; its last output:\n${server.output().trim().slice(-3_000)}`,
      {
        cause: error,
      },
    );
  });
  return { result, cpu: meter.shares(), window };
}

function httpJob(
  label: string,
  origin: string,
  fields: Partial<FixedHttpJob> & Pick<FixedHttpJob, 'method' | 'path'>,
): FixedHttpJob {
  return {
    kind: 'http',
    label,
    origin,
    headers: {},
    expectStatus: 200,
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    maxRequests: 5_000_000,
    ...fields,
  };
}

function heartbeatJob(kind: HeartbeatJob['kind'], origin: string, keysFile: string, minTimestamp: number): HeartbeatJob {
  return {
    kind,
    label: kind === 'heartbeat-rest' ? 'heartbeats REST' : 'heartbeats tRPC',
    origin,
    keysFile,
    network: NETWORK,
    minTimestamp,
    connections: CONNECTIONS,
    // The signed write path (and the tRPC client) take longer to warm up than a bare answer.
    warmupMs: 2 * WARMUP_MS,
    durationMs: DURATION_MS,
    maxRequests: PRESIGNED,
  };
}

/** Pre-signing takes a few seconds before the clock starts: the loader's time limit allows for it. */
const HEARTBEAT_TIMEOUT_MS = 100_000;

interface DiscoveryFigures {
  nodes: number;
  bytes: number;
  meshFull: Measured<LoadResult>;
  bareFull: Measured<LoadResult>;
  mesh304: Measured<LoadResult> | null;
  bare304: Measured<LoadResult>;
}

async function measureDiscovery(mesh: RunningServer, expectedNodes: number): Promise<DiscoveryFigures> {
  const path = '/nodes?status=active';
  const first = await fetchOnce(mesh.origin, path);
  if (first.status !== 200) throw new Error(`GET ${path} answered ${first.status}: ${first.body.toString('utf8').slice(0, 300)}`);
  const listed = (JSON.parse(first.body.toString('utf8')) as { nodes: unknown[] }).nodes.length;
  if (listed !== expectedNodes) throw new Error(`GET ${path} listed ${listed} nodes, expected ${expectedNodes}`);
  const meshEtag = first.headers.etag;
  let supports304 = false;
  if (meshEtag) supports304 = (await fetchOnce(mesh.origin, path, { 'if-none-match': meshEtag })).status === 304;
  const etag = meshEtag ?? `"${createHash('sha256').update(first.body).digest('base64url').slice(0, 27)}"`;

  const bodyFile = join(tempDir, `discovery-${expectedNodes}.json`);
  writeFileSync(bodyFile, first.body);
  const copied: Record<string, string> = {};
  for (const name of ['content-type', 'cache-control', 'etag']) if (first.headers[name]) copied[name] = first.headers[name];
  const bare = await startBare({ BARE_BODY_FILE: bodyFile, BARE_HEADERS: JSON.stringify(copied), BARE_ETAG: etag });
  try {
    const size = formatCount(expectedNodes);
    progress(`discovery ${size}: mesh, full answers (${formatBytes(first.body.length)})`);
    const meshFull = await load<LoadResult>(mesh, httpJob(`discovery ${size} mesh full`, mesh.origin, { method: 'GET', path }));
    progress(`discovery ${size}: bare server, same bytes`);
    const bareFull = await load<LoadResult>(bare, httpJob(`discovery ${size} bare full`, bare.origin, { method: 'GET', path }));
    let mesh304: Measured<LoadResult> | null = null;
    if (supports304) {
      progress(`discovery ${size}: mesh, 304 answers`);
      mesh304 = await load<LoadResult>(
        mesh,
        httpJob(`discovery ${size} mesh 304`, mesh.origin, {
          method: 'GET',
          path,
          headers: { 'if-none-match': etag },
          expectStatus: 304,
        }),
      );
    } else {
      progress(`discovery ${size}: mesh sends no ETag / 304 yet: that row is n/a`);
    }
    progress(`discovery ${size}: bare server, 304 answers`);
    const bare304 = await load<LoadResult>(
      bare,
      httpJob(`discovery ${size} bare 304`, bare.origin, {
        method: 'GET',
        path,
        headers: { 'if-none-match': etag },
        expectStatus: 304,
      }),
    );
    return { nodes: expectedNodes, bytes: first.body.length, meshFull, bareFull, mesh304, bare304 };
  } finally {
    await stopChild(bare.child);
  }
}

/** Polls GET /health every 5 ms from the moment the process is spawned until the first 200. */
async function timeToFirstAnswer(
  spawnIt: () => { pid: number },
  port: number,
  timeoutMs = 60_000,
): Promise<{ ms: number; pid: number }> {
  const started = performance.now();
  const { pid } = spawnIt();
  const origin = `http://127.0.0.1:${port}`;
  while (performance.now() - started < timeoutMs) {
    try {
      const answer = await fetchOnce(origin, '/health', {}, 1_000);
      if (answer.status === 200) return { ms: performance.now() - started, pid };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no answer on ${origin}/health within ${timeoutMs} ms`);
}

interface ScaleFigures {
  startupMs: number;
  rssAfterStart: number;
  rssAfterDiscovery: number;
  peakRss: number;
  discoveryMs: number;
  discoveryBytes: number;
  bareStartupMs: number;
  bareRss: number;
  sweep: SweepFigure;
  seedMs: number;
}

function scaleSeed(now: number): { nodes: SeedNode[]; heartbeats: { nodeId: string; timestamp: number }[] } {
  // Steady state at 100,000 nodes: nearly all heard from within the 2-minute interval, 0.1 % silent
  // past the offline threshold (they go offline in this pass). Heartbeat history: one recent row
  // per node, plus the 25,000 rows a 30 s sweep finds past the 24 h retention (100,000 nodes ×
  // 30 s / 120 s) — the full 24 h history (72 M rows) is not seeded.
  const nodes: SeedNode[] = [];
  const heartbeats: { nodeId: string; timestamp: number }[] = [];
  const dayMs = 24 * 60 * 60 * 1000;
  for (let index = 0; index < SCALE_NODES; index++) {
    const id = benchNodeId('scale', index);
    const silent = index % 1000 === 999;
    const lastHeartbeat = silent ? now - 600_000 : now - randomInt(0, 120_000);
    nodes.push({ id, publicKey: randomPublicKey(), ip: benchIp(index), status: 'active', lastHeartbeat });
    heartbeats.push({ nodeId: id, timestamp: lastHeartbeat });
    if (index % 4 === 0) heartbeats.push({ nodeId: id, timestamp: now - dayMs - randomInt(1, 30_000) });
  }
  // A running mesh writes history rows at its own time, in commit order: row ids grow with time
  // (the sweeper prunes by id range on that ground), so the seeded history is written the same way.
  heartbeats.sort((a, b) => a.timestamp - b.timestamp);
  return { nodes, heartbeats };
}

async function measureScale(sovereignKey: string): Promise<ScaleFigures> {
  const dbPath = join(tempDir, 'scale.db');
  const now = Date.now();
  const seedStarted = performance.now();
  await seedDatabase(dbPath, { now, sovereignPublicKey: sovereignKey, ...scaleSeed(now) });
  const seedMs = performance.now() - seedStarted;
  progress(`scale: ${formatCount(SCALE_NODES)} nodes seeded in ${formatMs(seedMs)}`);

  // The floor for start-up and memory: the bare server, started the same way (node + tsx).
  const barePort = await freePort();
  let bareChild: ReturnType<typeof spawnTs> | undefined;
  const bare = await timeToFirstAnswer(() => {
    bareChild = spawnTs('scripts/bench/bare-server.ts', { env: cleanEnv({ BARE_PORT: String(barePort) }) });
    return { pid: bareChild.pid ?? -1 };
  }, barePort);
  const bareRss = memory(bare.pid).rss;
  if (bareChild) await stopChild(bareChild);

  const port = await freePort();
  let meshChild: ReturnType<typeof spawnTs> | undefined;
  const mesh = await timeToFirstAnswer(() => {
    meshChild = spawnTs('server/main.ts', { env: meshEnv(dbPath, port) });
    return { pid: meshChild.pid ?? -1 };
  }, port);
  try {
    const rssAfterStart = memory(mesh.pid).rss;
    const discoveryStarted = performance.now();
    const answer = await fetchOnce(`http://127.0.0.1:${port}`, '/nodes?status=active', {}, 60_000);
    const discoveryMs = performance.now() - discoveryStarted;
    if (answer.status !== 200) throw new Error(`GET /nodes?status=active at ${SCALE_NODES} nodes answered ${answer.status}`);
    const after = memory(mesh.pid);
    if (meshChild) await stopChild(meshChild);
    progress(`scale: start-up ${formatMs(mesh.ms)}, discovery ${formatMs(discoveryMs)}; timing one sweeper pass`);
    const sweep = await measureSweep(dbPath, now);
    return {
      startupMs: mesh.ms,
      rssAfterStart,
      rssAfterDiscovery: after.rss,
      peakRss: after.peak,
      discoveryMs,
      discoveryBytes: answer.body.length,
      bareStartupMs: bare.ms,
      bareRss,
      sweep,
      seedMs,
    };
  } finally {
    if (meshChild) await stopChild(meshChild);
  }
}

// ---------------------------------------------------------------------------------------------
// Seeding the heartbeat database

interface HeartbeatDb {
  dbPath: string;
  keysFile: string;
  keys: KeysFile;
}

async function seedHeartbeatDb(name: string): Promise<HeartbeatDb> {
  const sovereignSeed = makeNodeKeys('sovereign', 1)[0]!.seed;
  const keys: KeysFile = {
    network: NETWORK,
    sovereign: { seed: sovereignSeed, publicKey: publicKeyHex(privateKeyFromSeed(sovereignSeed)) },
    active: makeNodeKeys('bench', HEARTBEAT_NODES),
    pending: makeNodeKeys('bench-pending', PENDING_NODES),
  };
  const now = Date.now();
  const asSeed = (key: NodeKey, status: SeedNode['status']): SeedNode => ({
    id: key.nodeId,
    publicKey: key.publicKey,
    ip: key.ip,
    status,
    lastHeartbeat: status === 'active' ? now - randomInt(0, 120_000) : null,
  });
  const dbPath = join(tempDir, `${name}.db`);
  await seedDatabase(dbPath, {
    now,
    sovereignPublicKey: keys.sovereign.publicKey,
    nodes: [...keys.active.map((key) => asSeed(key, 'active')), ...keys.pending.map((key) => asSeed(key, 'pending'))],
  });
  const keysFile = join(tempDir, `${name}.keys.json`);
  writeFileSync(keysFile, JSON.stringify(keys));
  return { dbPath, keysFile, keys };
}

async function countRows(dbPath: string, table: string): Promise<number> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    const result = await client.execute(`SELECT count(*) AS n FROM ${table}`);
    return Number(result.rows[0]?.n ?? Number.NaN);
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function errorsOf(result: LoadResult): number {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);
  return sum(result.statuses) - result.ok + sum(result.failures);
}

function rateCell(result: LoadResult, withP50 = false): string {
  const errors = errorsOf(result);
  const latency = withP50
    ? `p50 ${formatMs(result.latency.p50)}, p99 ${formatMs(result.latency.p99)}`
    : `p99 ${formatMs(result.latency.p99)}`;
  return `${formatRate(result.rate)} (${latency})${errors > 0 ? `, ${formatCount(errors)} errors` : ''}`;
}

function describeLoad(name: string, measured: Measured<LoadResult>, withTimeline = false): string {
  const { result } = measured;
  const statuses = Object.entries(result.statuses)
    .map(([status, n]) => `${status}×${formatCount(n)}`)
    .join(' ');
  const failures = Object.entries(result.failures)
    .map(([code, n]) => `${code}×${formatCount(n)}`)
    .join(' ');
  return (
    `${name}: ${formatCount(result.ok)} ok in ${formatMs(result.elapsedMs)}${result.exhausted ? ' (ran out of requests before the time was up)' : ''}; ` +
    `statuses ${statuses || 'none'}${failures ? `; no answer: ${failures}` : ''}; ` +
    `latency p50 ${formatMs(result.latency.p50)}, p90 ${formatMs(result.latency.p90)}, p99 ${formatMs(result.latency.p99)}, max ${formatMs(result.latency.max)}; ` +
    `CPU in cores: server ${cores(measured.cpu.server)}, load generator ${cores(result.loaderCpu)}, whole machine ${cores(measured.cpu.machine)} of ${availableParallelism()}` +
    (measured.cpu.machine - measured.cpu.server - result.loaderCpu >= 0.25
      ? ` (**other processes used ${cores(measured.cpu.machine - measured.cpu.server - result.loaderCpu)} cores: a disturbed figure**)`
      : '') +
    (measured.cpu.iowait >= 0.05 ? `, iowait ${cores(measured.cpu.iowait)}` : '') +
    (measured.cpu.steal >= 0.05 ? `, steal ${cores(measured.cpu.steal)}` : '') +
    (result.loaderCpu >= 0.95 && measured.cpu.server < 0.9
      ? ' (**the load generator was the bottleneck, not the server: as a limit this is a lower bound**)'
      : '') +
    ((result.slowest[0]?.ms ?? 0) > Math.max(4 * result.latency.p99, 50) || withTimeline
      ? `; slowest answers: ${result.slowest.map((slow) => `${slow.status} in ${formatMs(slow.ms)} (sent at ${(slow.sentAtMs / 1000).toFixed(2)} s)`).join(', ')}; counted answers per 0.5 s: ${result.timeline.join(' ')}`
      : '') +
    (result.errorSample ? `; first error: \`${result.errorSample.replace(/`/g, "'").replace(/\s+/g, ' ').slice(0, 200)}\`` : '')
  );
}

function machineInfo(): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'shared', 'db', 'client'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    if (dirty) commit += ' (with uncommitted changes to the server)';
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${osType()} ${release()} ${arch()}`,
    commit,
  };
}

// ---------------------------------------------------------------------------------------------

interface HeartbeatFigures {
  rest: Measured<LoadResult>;
  trpc: Measured<LoadResult>;
  persisted: number;
}

interface EventsFigures {
  /** mesh's figures, or null before the events issue has landed. */
  mesh: { one: Measured<EventsResult>; thousand: Measured<EventsResult> } | null;
  /** The bare server broadcasting the same events: the floor, on this machine, with this load generator. */
  bare: { one: Measured<EventsResult>; thousand: Measured<EventsResult> };
}

async function eventsPair(server: RunningServer, db: HeartbeatDb, minTimestamp: number, name: string) {
  const base = {
    kind: 'events' as const,
    origin: server.origin,
    keysFile: db.keysFile,
    network: NETWORK,
    changeTimeoutMs: 2_000,
  };
  progress(`events: ${name}, 1 subscriber`);
  const one = await load<EventsResult>(server, {
    ...base,
    label: `events ${name} 1`,
    subscribers: 1,
    changes: 100,
    firstPending: 0,
    minTimestamp,
  });
  progress(`events: ${name}, 1,000 subscribers`);
  const thousand = await load<EventsResult>(server, {
    ...base,
    label: `events ${name} 1000`,
    subscribers: 1_000,
    changes: 50,
    firstPending: 100,
    minTimestamp: one.result.lastTimestamp,
  });
  return { one, thousand };
}

async function measureEvents(mesh: RunningServer, db: HeartbeatDb, minTimestamp: number): Promise<EventsFigures> {
  let meshFigures: EventsFigures['mesh'] = null;
  if (await servesEvents(mesh.origin)) meshFigures = await eventsPair(mesh, db, minTimestamp, 'mesh');
  else progress('events: GET /events is not an SSE stream yet: the mesh rows are n/a');
  const bare = await startBare();
  try {
    return { mesh: meshFigures, bare: await eventsPair(bare, db, 0, 'bare SSE server') };
  } finally {
    await stopChild(bare.child);
  }
}

async function profileHeartbeats(): Promise<void> {
  const dir = join(ROOT, 'bench-profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await seedHeartbeatDb('profile');
  let minTimestamp = 0;
  const summaries: string[] = [];
  for (const kind of ['heartbeat-rest', 'heartbeat-trpc'] as const) {
    const profileDir = join(dir, kind);
    const mesh = await startMesh(db.dbPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
    progress(`profile: ${kind} under node --cpu-prof`);
    const measured = await load<LoadResult>(
      mesh,
      heartbeatJob(kind, mesh.origin, db.keysFile, minTimestamp),
      HEARTBEAT_TIMEOUT_MS,
    );
    minTimestamp = measured.result.lastTimestamp ?? minTimestamp;
    await stopChild(mesh.child); // the profile is written as mesh exits
    // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main thread (tsx's loader has its own).
    const file = readdirSync(profileDir).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
    if (!file) throw new Error(`mesh wrote no profile in ${profileDir}`);
    const summary = summarise(readProfile(join(profileDir, file)), { top: 30, window: measured.window });
    summaries.push(
      `${describeLoad(kind, measured, true)}\n${formatSummary(`mesh under ${kind} (${join('bench-profiles', kind, file)}), measured window only`, summary)}`,
    );
  }
  process.stdout.write(`\n${summaries.join('\n\n')}\n`);
}

async function main(): Promise<void> {
  if (PROFILE) {
    await profileHeartbeats();
    return;
  }
  const machine = machineInfo();
  const notes: string[] = [];

  // 1. Limits
  progress('limits: Ed25519 verifications with node:crypto, one thread');
  const verify: VerifyLimit = measureEd25519Verify({ durationMs: QUICK ? 1_000 : 2_000 });
  progress(`limits: ${formatRate(verify.perSecond)}; bare node:http server, small JSON POST`);
  const sample = new Signer(privateKeyFromSeed(makeNodeKeys('sample', 1)[0]!.seed));
  const sampleBody = JSON.stringify(
    signedHeartbeat(sample, { nodeId: benchNodeId('bench', 1), tailscaleIP: benchIp(1) }, { network: NETWORK }),
  );
  const bare = await startBare();
  let barePost: Measured<LoadResult>;
  try {
    barePost = await load<LoadResult>(
      bare,
      httpJob('bare POST', bare.origin, { method: 'POST', path: '/heartbeat', body: sampleBody }),
    );
  } finally {
    await stopChild(bare.child);
  }
  notes.push(describeLoad('bare node:http POST (limit)', barePost));

  // 2-4. Heartbeats, discovery at 1,000, events: one mesh over 1,000 active nodes with real keys.
  progress(`heartbeats: seeding ${formatCount(HEARTBEAT_NODES)} active nodes with keys (+ ${PENDING_NODES} pending)`);
  const db = await seedHeartbeatDb('heartbeats');
  let mesh = await startMesh(db.dbPath);
  let heartbeats: HeartbeatFigures;
  const discovery: DiscoveryFigures[] = [];
  let events: EventsFigures;
  try {
    progress(`heartbeats: REST, ${CONNECTIONS} connections (pre-signing ${formatCount(PRESIGNED)} first)`);
    const rest = await load<LoadResult>(mesh, heartbeatJob('heartbeat-rest', mesh.origin, db.keysFile, 0), HEARTBEAT_TIMEOUT_MS);
    progress(`heartbeats: REST ${formatRate(rest.result.rate)}; tRPC client, ${CONNECTIONS} in flight`);
    const trpc = await load<LoadResult>(
      mesh,
      heartbeatJob('heartbeat-trpc', mesh.origin, db.keysFile, rest.result.lastTimestamp ?? 0),
      HEARTBEAT_TIMEOUT_MS,
    );
    progress(`heartbeats: tRPC ${formatRate(trpc.result.rate)}`);
    heartbeats = { rest, trpc, persisted: 0 };
    discovery.push(await measureDiscovery(mesh, DISCOVERY_SIZES[0]));
    events = await measureEvents(mesh, db, trpc.result.lastTimestamp ?? 0);
  } finally {
    await stopChild(mesh.child);
  }
  heartbeats.persisted = await countRows(db.dbPath, 'heartbeats');
  const accepted = heartbeats.rest.result.okTotal + heartbeats.trpc.result.okTotal;
  notes.push(
    `heartbeats persisted: ${formatCount(heartbeats.persisted)} rows in the heartbeats table after mesh stopped, for ${formatCount(accepted)} answers 200 (warm-up included)` +
      (heartbeats.persisted === accepted ? ': every accepted heartbeat was committed.' : ': **they differ**.'),
  );
  notes.push(describeLoad('heartbeats REST', heartbeats.rest, true));
  notes.push(describeLoad('heartbeats tRPC', heartbeats.trpc, true));

  // 3. Discovery at 10,000
  progress(`discovery: seeding ${formatCount(DISCOVERY_SIZES[1])} active nodes`);
  const bigDb = join(tempDir, 'discovery.db');
  const now = Date.now();
  await seedDatabase(bigDb, {
    now,
    sovereignPublicKey: db.keys.sovereign.publicKey,
    nodes: Array.from({ length: DISCOVERY_SIZES[1] }, (_, index) => ({
      id: benchNodeId('disc', index),
      publicKey: randomPublicKey(),
      ip: benchIp(index),
      status: 'active' as const,
      lastHeartbeat: now - randomInt(0, 120_000),
    })),
  });
  mesh = await startMesh(bigDb);
  try {
    discovery.push(await measureDiscovery(mesh, DISCOVERY_SIZES[1]));
  } finally {
    await stopChild(mesh.child);
  }
  for (const figures of discovery) {
    const size = formatCount(figures.nodes);
    notes.push(describeLoad(`discovery ${size} mesh full`, figures.meshFull));
    notes.push(describeLoad(`discovery ${size} bare full (limit)`, figures.bareFull));
    if (figures.mesh304) notes.push(describeLoad(`discovery ${size} mesh 304`, figures.mesh304));
    notes.push(describeLoad(`discovery ${size} bare 304 (limit)`, figures.bare304));
  }

  // 5. Scale
  progress(`scale: seeding ${formatCount(SCALE_NODES)} nodes`);
  const scale = await measureScale(db.keys.sovereign.publicKey);

  // The table
  const rows: Row[] = [];
  rows.push({
    figure: 'limit: Ed25519 verify, node:crypto, 1 thread',
    measured: formatRate(verify.perSecond),
    limit: null,
    ratio: null,
    target: 'reference ≈ 10,500/s (issue 5)',
    met: null,
  });
  rows.push({
    figure: `limit: bare node:http, small JSON POST, ${CONNECTIONS} conns`,
    measured: rateCell(barePost.result, true),
    limit: null,
    ratio: null,
    target: 'reference ≈ 57,000/s (issue 5)',
    met: null,
  });
  const rest = heartbeats.rest.result;
  rows.push({
    figure: `heartbeats REST, ${formatCount(HEARTBEAT_NODES)} nodes, ${CONNECTIONS} conns`,
    measured: rateCell(rest, true),
    limit: `${formatRate(verify.perSecond)} (Ed25519 verify, 1 thread)`,
    ratio: ratioOf(rest.rate, verify.perSecond),
    target: `≥ ${formatRate(TARGETS.heartbeatsPerSecond)}, p99 ≤ ${TARGETS.heartbeatP99Ms} ms`,
    met: rest.rate >= TARGETS.heartbeatsPerSecond && rest.latency.p99 <= TARGETS.heartbeatP99Ms,
  });
  const trpc = heartbeats.trpc.result;
  rows.push({
    figure: `heartbeats tRPC client (httpLink), ${CONNECTIONS} in flight`,
    measured: rateCell(trpc, true),
    limit: `${formatRate(rest.rate)} (REST above)`,
    ratio: ratioOf(trpc.rate, rest.rate),
    target: `≥ ${TARGETS.trpcShare}× REST`,
    met: rest.rate > 0 ? trpc.rate >= TARGETS.trpcShare * rest.rate : false,
  });
  for (const figures of discovery) {
    const size = formatCount(figures.nodes);
    rows.push({
      figure: `discovery ${size} active, full 200 (${formatBytes(figures.bytes)})`,
      measured: rateCell(figures.meshFull.result),
      limit: `${rateCell(figures.bareFull.result)} bare, same bytes`,
      ratio: ratioOf(figures.meshFull.result.rate, figures.bareFull.result.rate),
      target: `≥ ${TARGETS.discoveryShare}× bare`,
      met: figures.meshFull.result.rate >= TARGETS.discoveryShare * figures.bareFull.result.rate,
    });
    rows.push({
      figure: `discovery ${size} active, 304 (If-None-Match)`,
      measured: figures.mesh304 ? rateCell(figures.mesh304.result) : null,
      unavailable: NEEDS_EVENTS_ISSUE,
      limit: `${rateCell(figures.bare304.result)} bare 304`,
      ratio: figures.mesh304 ? ratioOf(figures.mesh304.result.rate, figures.bare304.result.rate) : null,
      target: `≥ ${TARGETS.discoveryShare}× bare`,
      met: figures.mesh304 ? figures.mesh304.result.rate >= TARGETS.discoveryShare * figures.bare304.result.rate : null,
    });
  }
  const latencyCell = (result: EventsResult, withP50: boolean) =>
    `${withP50 ? `p50 ${formatMs(result.latency.p50)}, ` : ''}p99 ${formatMs(result.latency.p99)}${result.lost > 0 ? `, ${formatCount(result.lost)} lost` : ''}`;
  const eventRow = (figure: string, which: 'one' | 'thousand', targetMs: number): Row => {
    const bareResult = events.bare[which].result;
    const limit = `${latencyCell(bareResult, which === 'one')} (bare SSE server)`;
    const measured = events.mesh?.[which].result;
    const target = `p99 ≤ ${formatMs(targetMs)}`;
    if (!measured) return { figure, measured: null, unavailable: NEEDS_EVENTS_ISSUE, limit, ratio: null, target, met: null };
    return {
      figure,
      measured: latencyCell(measured, which === 'one'),
      limit,
      ratio: ratioOf(measured.latency.p99, bareResult.latency.p99),
      target,
      met: measured.lost === 0 && measured.latency.p99 <= targetMs,
    };
  };
  rows.push(eventRow('events: change → 1 SSE subscriber', 'one', TARGETS.eventsP99OneMs));
  rows.push(eventRow('events: change → 1,000 SSE subscribers', 'thousand', TARGETS.eventsP99ThousandMs));
  for (const measured of [events.mesh?.one, events.mesh?.thousand, events.bare.one, events.bare.thousand]) {
    if (!measured) continue;
    const r = measured.result;
    notes.push(
      `${r.label}: ${r.changes} approvals one at a time, ${formatCount(r.subscribers)} subscriber(s); delay from sending the approval to the node id arriving on each stream: ` +
        `p50 ${formatMs(r.latency.p50)}, p99 ${formatMs(r.latency.p99)}, max ${formatMs(r.latency.max)}; lost ${r.lost}; approval statuses ${JSON.stringify(r.statuses)}; ` +
        `CPU in cores: server ${cores(measured.cpu.server)}, whole machine ${cores(measured.cpu.machine)}`,
    );
  }
  const scaleSize = formatCount(SCALE_NODES);
  rows.push({
    figure: `${scaleSize} nodes: resident memory, after start / after a discovery request`,
    measured: `${formatBytes(scale.rssAfterStart)} / ${formatBytes(scale.rssAfterDiscovery)}`,
    limit: `${formatBytes(scale.bareRss)} (bare server, node + tsx)`,
    ratio: ratioOf(scale.rssAfterDiscovery, scale.bareRss),
    target: `≤ ${formatBytes(TARGETS.rssBytes)}`,
    met: Math.max(scale.rssAfterStart, scale.rssAfterDiscovery) <= TARGETS.rssBytes,
  });
  rows.push({
    figure: `${scaleSize} nodes: start-up, spawn to first answered GET /health`,
    measured: formatMs(scale.startupMs),
    limit: `${formatMs(scale.bareStartupMs)} (bare server, node + tsx)`,
    ratio: ratioOf(scale.startupMs, scale.bareStartupMs),
    target: `≤ ${formatMs(TARGETS.startupMs)}`,
    met: scale.startupMs <= TARGETS.startupMs,
  });
  rows.push({
    figure: `${scaleSize} nodes: one sweeper pass (${formatCount(scale.sweep.wentOffline)} → offline, ${formatCount(scale.sweep.heartbeatsDeleted)} heartbeats pruned)`,
    measured: formatMs(scale.sweep.ms),
    limit: null,
    ratio: null,
    target: `≤ ${formatMs(TARGETS.sweepMs)}`,
    met: scale.sweep.ms <= TARGETS.sweepMs,
  });
  notes.push(
    `scale: ${scaleSize} nodes (2 services each) and ${formatCount(SCALE_NODES * 1.25)} heartbeat rows seeded directly in ${formatMs(scale.seedMs)}; ` +
      `the first GET /nodes?status=active took ${formatMs(scale.discoveryMs)} for ${formatBytes(scale.discoveryBytes)}; peak resident memory (VmHWM) ${formatBytes(scale.peakRss)}. ` +
      `The sweeper pass runs sweepOnce in the benchmark process on a mesh made by createMesh over the seeded file, its clock one offline threshold after the mesh's start; ` +
      `the seeded history holds the rows one 30 s pass finds past retention at steady state (100,000 × 30 s / 120 s), not the whole 24 h of heartbeats.`,
  );
  notes.push(
    `method: every load is closed-loop from a separate process (undici Pool, keep-alive, ${CONNECTIONS} connections, one request at a time on each), ${formatMs(WARMUP_MS)} of warm-up not counted (${formatMs(2 * WARMUP_MS)} for heartbeats), then ${formatMs(DURATION_MS)} measured or until the requests run out; only answers with the expected status count (200, or 304); latency is that of counted answers. ` +
      `Heartbeats are pre-signed (${formatCount(PRESIGNED)} per figure, round-robin over ${formatCount(HEARTBEAT_NODES)} nodes, timestamps increasing per key) before the clock starts. ` +
      `Server and load generator share the machine's ${machine.nproc} cores: the CPU figures (in cores, from /proc) tell which side was the bottleneck, and whether anything else ran.`,
  );
  notes.push(
    'limits in the same run: heartbeats are compared with Ed25519 verifications/s on one thread (the one piece of work a signed heartbeat cannot skip; the bare POST server row shows HTTP is not the limit); tRPC with the REST figure; discovery with a bare node:http server sending the same bytes and headers from memory (and 304 for a matching If-None-Match); start-up and memory with the bare server started the same way; events with a bare node:http SSE server broadcasting the same approvals. The ratio is measured ÷ limit: below 1 means slower for a rate, above 1 means more (worse) for memory, time and latency.',
  );
  notes.push(
    'reproduce: `npm ci && npm run bench` (about 2 to 3 minutes; `npm run bench -- --quick` for a short run that writes nothing, `-- --profile` for CPU profiles of the heartbeat path).',
  );

  if (noisyFigures.length > 0) {
    notes.push(
      `the machine was not quiet before: ${noisyFigures.join('; ')}. Other work on the machine shares its 2 cores with the benchmark; those figures are lower than a quiet machine gives.`,
    );
  }
  const total = (performance.now() - benchStarted) / 1000;
  notes.push(`this run took ${total.toFixed(0)} s.`);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  for (const note of notes) process.stdout.write(`- ${note.replace(/\*\*/g, '')}\n`);
  if (WRITE) {
    const page = join(ROOT, 'BENCHMARKS.md');
    writeFileSync(page, benchmarksPage(machine, rows, notes) + keptHistory(page));
    progress('written to BENCHMARKS.md');
  }
}

// Everything from this line down in BENCHMARKS.md is written by people and kept by every run.
const HISTORY_MARKER = '<!-- history: kept by npm run bench -->';

/** What people wrote below HISTORY_MARKER (figures before and after each change, what holds a target): kept. */
function keptHistory(page: string): string {
  let text: string;
  try {
    text = readFileSync(page, 'utf8');
  } catch {
    return '';
  }
  const at = text.indexOf(HISTORY_MARKER);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}

main()
  .then(async () => {
    await stopAllChildren();
    cleanupNow();
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAllChildren();
    cleanupNow();
    process.exitCode = 1;
  });
