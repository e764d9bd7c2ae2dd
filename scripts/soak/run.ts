/**
 * `npm run soak`: mesh under a normal day's traffic plus abuse, for minutes on end, to see that it
 * stays up, loses no acknowledged heartbeat and keeps its memory flat.
 *
 * Seeds a temporary database directly (active nodes with real keys, a sovereign), starts mesh on
 * it as a process, and forks two traffic processes: the legitimate clients from 127.0.0.1 and the
 * abusive ones from 127.0.0.2 (so per-address limits can tell them apart). Meanwhile it samples
 * mesh's resident memory and GET /health, and write-locks the database from a second connection
 * every minute. It reports what it saw, asserting nothing about how mesh defends itself; it exits
 * non-zero only if mesh died or a heartbeat answered 200 is not in the database afterwards.
 *
 *   npm run soak                              10 minutes, report on stdout
 *   npm run soak -- --minutes 2               shorter (any number of minutes, 0.5 included)
 *   npm run soak -- --record                  also write the report as BENCHMARKS.md's "## Soak" section
 *   --nodes 10000 --watchers 200 --lock-seconds 5 --batch-size 100   the sizes
 */
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { ROOT } from '../../shared/testing/processes.js';
import { privateKeyFromSeed, publicKeyHex } from '../../shared/sign.js';
import type { KeysFile } from '../bench/jobs.js';
import { machineInfo } from '../bench/page.js';
import { cpuSeconds, machineCpuSeconds } from '../bench/proc-stats.js';
import { forkTs, stopAllChildren, stopChild } from '../bench/processes.js';
import { formatCount } from '../bench/report.js';
import { makeNodeKeys, seedDatabase } from '../bench/seed.js';
import { startMesh } from '../bench/servers.js';
import { NETWORK } from '../bench/settings.js';
import { cleanupNow, openWorkspace, workFile } from '../bench/workspace.js';
import { lockPeriodically } from './db-lock.js';
import type { AbuseJob, LegitJob, TrafficJob, TrafficMessage, TrafficResult } from './jobs.js';
import { soakMarkdown, withSoakSection, type SoakReport } from './report.js';
import { sampleHealth, sampleMemory, type HealthSample } from './samplers.js';
import {
  ABUSER_ADDRESS,
  ABUSIVE_WS_SUBSCRIPTIONS,
  FIRST_LOCK_MS,
  FLAT_BOUND_BYTES,
  HEALTH_SAMPLE_MS,
  HEARTBEAT_INTERVAL_MS,
  LEGIT_ADDRESS,
  LOCK_EVERY_MS,
  MAX_FLOOD_REGISTRATIONS,
  MEMORY_SAMPLE_MS,
  parseSoakArgs,
  progress,
  REGISTRATIONS_PER_SECOND,
  STALLED_SHARE,
  WS_WATCHER_SHARE,
  type SoakSettings,
} from './settings.js';
import { lostHeartbeats, memoryFlatness, type MemorySample, type StoredHeartbeat } from './verdict.js';

const TRAFFIC = fileURLToPath(new URL('./traffic.ts', import.meta.url));

/** Active nodes with real keys, each last heard from one interval before its first heartbeat here is due. */
async function seed(settings: SoakSettings): Promise<{ dbPath: string; keysFile: string }> {
  const sovereignSeed = makeNodeKeys('sovereign', 1)[0]!.seed;
  const keys: KeysFile = {
    network: NETWORK,
    sovereign: { seed: sovereignSeed, publicKey: publicKeyHex(privateKeyFromSeed(sovereignSeed)) },
    active: makeNodeKeys('soak', settings.nodes),
    pending: [],
  };
  const now = Date.now();
  const dbPath = workFile('soak.db');
  await seedDatabase(dbPath, {
    now,
    sovereignPublicKey: keys.sovereign.publicKey,
    nodes: keys.active.map((key, index) => ({
      id: key.nodeId,
      publicKey: key.publicKey,
      ip: key.ip,
      status: 'active',
      lastHeartbeat:
        now - HEARTBEAT_INTERVAL_MS + Math.floor((index * HEARTBEAT_INTERVAL_MS) / settings.nodes) - randomInt(0, 1_000),
    })),
  });
  const keysFile = workFile('soak.keys.json');
  writeFileSync(keysFile, JSON.stringify(keys));
  return { dbPath, keysFile };
}

/** Runs one traffic job in a fresh process; rejects if it fails or overruns. */
function runTraffic(job: TrafficJob, onReady: () => void = () => undefined): Promise<TrafficResult> {
  const child = forkTs(TRAFFIC);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-20_000);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null, result?: TrafficResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopChild(child, 2_000);
      if (error) reject(error);
      else resolve(result!);
    };
    const timer = setTimeout(() => settle(new Error(`traffic (${job.kind}) overran`)), job.durationMs + 120_000);
    child.on('message', (message: TrafficMessage) => {
      if (message.type === 'ready') {
        onReady();
      } else if (message.type === 'result') {
        progress(`${job.kind} traffic: result in`);
        settle(null, message.result);
      } else settle(new Error(`traffic (${job.kind}): ${message.message}`));
    });
    child.once('exit', (code, signal) => settle(new Error(`traffic (${job.kind}) exited (${signal ?? code})\n${stderr.trim()}`)));
    child.send(job);
  });
}

/** Every heartbeat row, once mesh has stopped. */
async function storedHeartbeats(dbPath: string): Promise<StoredHeartbeat[]> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    const result = await client.execute('SELECT node_id, timestamp FROM heartbeats');
    return result.rows.map((row) => ({ nodeId: row.node_id as string, timestamp: Number(row.timestamp) }));
  } finally {
    client.close();
  }
}

function describeTraffic(settings: SoakSettings, wsWatchers: number): string {
  const perSecond = (settings.nodes * 1000) / HEARTBEAT_INTERVAL_MS;
  return (
    `From 127.0.0.1: ${formatCount(settings.nodes)} active nodes heartbeating every ${HEARTBEAT_INTERVAL_MS / 60_000} min ` +
    `(${perSecond.toFixed(0)}/s, evenly spread), ${REGISTRATIONS_PER_SECOND} registrations/s with fresh keys each approved by a sovereign, ` +
    `${settings.watchers} watchers of the events (${settings.watchers - wsWatchers} SSE, ${wsWatchers} tRPC WebSocket; ${STALLED_SHARE * 100}% of each never read). ` +
    `From 127.0.0.2: one WebSocket subscribing to events.watch ${ABUSIVE_WS_SUBSCRIPTIONS} times and never reading, ` +
    `tRPC batches of ${settings.batchSize} node.list back to back, and registrations with fresh keys as fast as mesh answers (4 connections, at most ${formatCount(MAX_FLOOD_REGISTRATIONS)}). ` +
    `A second connection holds BEGIN IMMEDIATE on the database for ${settings.lockSeconds} s every minute, from ${FIRST_LOCK_MS / 1000} s in.`
  );
}

async function main(): Promise<void> {
  const settings = parseSoakArgs(process.argv.slice(2));
  const durationMs = Math.round(settings.minutes * 60_000);
  openWorkspace();
  progress(`seeding ${formatCount(settings.nodes)} active nodes with keys`);
  const { dbPath, keysFile } = await seed(settings);
  const mesh = await startMesh(dbPath);
  progress(`mesh on ${mesh.origin} (pid ${mesh.pid}); ${settings.minutes} min of traffic`);

  const startedAt = performance.now();
  const meshCpuAtStart = cpuSeconds(mesh.pid);
  const machineCpuAtStart = machineCpuSeconds().busy;
  let stopping = false;
  let diedAtMs: number | null = null;
  mesh.child.once('exit', (code, signal) => {
    if (stopping) return;
    diedAtMs = performance.now() - startedAt;
    progress(`mesh exited (${signal ?? code}) ${(diedAtMs / 1000).toFixed(1)} s in:\n${mesh.output().slice(-4_000)}`);
  });
  const memory: MemorySample[] = [];
  const health: HealthSample[] = [];
  const stopMemory = sampleMemory(mesh.pid, startedAt, MEMORY_SAMPLE_MS, memory);
  const stopHealth = sampleHealth(mesh.origin, startedAt, HEALTH_SAMPLE_MS, health);
  const stopLocks = lockPeriodically(dbPath, {
    firstMs: FIRST_LOCK_MS,
    everyMs: LOCK_EVERY_MS,
    holdMs: settings.lockSeconds * 1000,
    startedAt,
    lastStartMs: durationMs - settings.lockSeconds * 1000,
  });
  const wsWatchers = Math.round(settings.watchers * WS_WATCHER_SHARE);
  const ackedFile = workFile('acked.tsv');
  const legitJob: LegitJob = {
    kind: 'legit',
    origin: mesh.origin,
    localAddress: LEGIT_ADDRESS,
    network: NETWORK,
    keysFile,
    durationMs,
    ackedFile,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    registrationsPerSecond: REGISTRATIONS_PER_SECOND,
    sseWatchers: settings.watchers - wsWatchers,
    wsWatchers,
    stalledShare: STALLED_SHARE,
  };
  const abuseJob: AbuseJob = {
    kind: 'abuse',
    origin: mesh.origin,
    localAddress: ABUSER_ADDRESS,
    network: NETWORK,
    durationMs,
    wsSubscriptions: ABUSIVE_WS_SUBSCRIPTIONS,
    batchSize: settings.batchSize,
    maxFloodRegistrations: MAX_FLOOD_REGISTRATIONS,
  };
  const minuteTicker = setInterval(
    () =>
      progress(
        `${((performance.now() - startedAt) / 60_000).toFixed(0)} min in; mesh ${memory.at(-1) ? `${(memory.at(-1)!.rssBytes / 2 ** 20).toFixed(0)} MB` : ''}`,
      ),
    60_000,
  );
  // The watchers are long-lived clients, connected before the abuse starts (each gives up after 10 s).
  let legitReady = () => {};
  const ready = new Promise<void>((resolve) => (legitReady = resolve));
  const legitRun = runTraffic(legitJob, legitReady);
  await Promise.race([ready, legitRun.catch(() => undefined)]);
  const [legit, abuse] = await Promise.allSettled([legitRun, runTraffic(abuseJob)]);
  clearInterval(minuteTicker);
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const cpu = {
    mesh: (cpuSeconds(mesh.pid) - meshCpuAtStart) / elapsedSeconds,
    machine: (machineCpuSeconds().busy - machineCpuAtStart) / elapsedSeconds,
  };
  stopMemory();
  const [locks] = await Promise.all([stopLocks(), stopHealth()]);
  const failures = [legit, abuse].flatMap((outcome) =>
    outcome.status === 'rejected' ? [(outcome.reason as Error).message] : [],
  );

  progress('stopping mesh (SIGTERM)');
  stopping = true;
  await stopChild(mesh.child);
  const exit =
    diedAtMs !== null
      ? `exit ${mesh.child.signalCode ?? mesh.child.exitCode}`
      : `stopped on SIGTERM: ${mesh.child.signalCode ? `signal ${mesh.child.signalCode}` : `exit code ${mesh.child.exitCode}`}`;

  const acked = legit.status === 'fulfilled' ? readFileSync(ackedFile, 'utf8').split('\n').filter(Boolean) : [];
  const stored = await storedHeartbeats(dbPath);
  const lost = lostHeartbeats(acked, stored);
  const report: SoakReport = {
    machine: machineInfo(),
    settings,
    traffic: describeTraffic(settings, wsWatchers),
    memory,
    flatness: memoryFlatness(memory, FLAT_BOUND_BYTES),
    cpu,
    health,
    locks,
    legit: legit.status === 'fulfilled' && legit.value.kind === 'legit' ? legit.value : null,
    abuse: abuse.status === 'fulfilled' && abuse.value.kind === 'abuse' ? abuse.value : null,
    failures,
    heartbeats: { acked: legit.status === 'fulfilled' ? acked.length : null, stored: stored.length, lost: lost.length },
    mesh: { diedAtMs, exit },
  };
  const block = soakMarkdown(report, ABUSIVE_WS_SUBSCRIPTIONS, settings.batchSize);
  process.stdout.write(`\n${block}\n`);
  if (lost.length > 0) process.stdout.write(`\nlost heartbeats, first ones: ${lost.slice(0, 5).join(', ')}\n`);
  if (settings.record) {
    const page = join(ROOT, 'BENCHMARKS.md');
    writeFileSync(page, withSoakSection(readFileSync(page, 'utf8'), block));
    progress('written to BENCHMARKS.md, section "## Soak"');
  }
  if (diedAtMs !== null || lost.length > 0 || failures.length > 0) process.exitCode = 1;
}

main()
  .then(async () => {
    await stopAllChildren();
    cleanupNow();
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await stopAllChildren();
    cleanupNow();
    process.exitCode = 1;
  });
