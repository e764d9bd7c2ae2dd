/**
 * `npm run bench -- --scale N` (N = 1,000,000 in the issue): mesh over N registered, active nodes
 * seeded straight into the database, each figure beside its limit measured in the same run, written
 * to BENCHMARKS.md's "A million nodes" section. Run from run.ts instead of the usual figures.
 */
import { copyFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureEtcd } from './figure-etcd.js';
import { countRows, seedHeartbeatDb } from './figure-heartbeats.js';
import { measureDelta } from './figure-million-delta.js';
import { presignFor, sustainedHeartbeats } from './figure-million-heartbeats.js';
import { simulateDay } from './figure-million-day.js';
import { measureStartup, measureTableRead } from './figure-million-startup.js';
import { measureSweepStall } from './figure-million-sweep.js';
import { measureUptimeRefresh } from './figure-million-uptime.js';
import { measureEd25519Verify } from './limits.js';
import { noisyFigures } from './measure.js';
import { writeMillionSection } from './million-page.js';
import { millionReport, type MillionFigures } from './million-report.js';
import { seedMillionDb } from './million-seed.js';
import { machineInfo } from './page.js';
import { stopChild } from './processes.js';
import { formatBytes, formatCount, formatMs, textTable } from './report.js';
import { startMesh, startTimedMesh } from './servers.js';
import { HEARTBEAT_NODES, MILLION_KEYED, progress, QUICK, WRITE } from './settings.js';
import { workFile } from './workspace.js';

/** The 1,000-node reference is pre-signed for this rate (it stops early, and says so, if mesh is faster). */
const REFERENCE_RATE = 3_000;

export async function runScale(scale: number): Promise<void> {
  const machine = machineInfo();
  progress('limits: Ed25519 verifications with node:crypto, one thread');
  const verify = measureEd25519Verify({ durationMs: QUICK ? 1_000 : 2_000 });

  // Today's scale first: mesh's 1,000 hot keys, then etcd's 1,000 leases, in the same minutes.
  progress(`reference: seeding ${formatCount(HEARTBEAT_NODES)} active nodes with keys`);
  const small = await seedHeartbeatDb('reference');
  const smallMesh = await startMesh(small.dbPath);
  let reference;
  try {
    reference = await sustainedHeartbeats(smallMesh, small.keysFile, HEARTBEAT_NODES, {
      minTimestamp: 0,
      presigned: presignFor(REFERENCE_RATE),
      label: `heartbeats REST, ${formatCount(HEARTBEAT_NODES)} nodes`,
    });
  } finally {
    await stopChild(smallMesh.child);
  }
  const referencePersisted = await countRows(small.dbPath, 'heartbeats');
  const etcd = await measureEtcd();

  progress(`scale: seeding ${formatCount(scale)} active nodes (${formatCount(Math.min(scale, MILLION_KEYED))} with real keys)`);
  const seedStarted = performance.now();
  const seeded = await seedMillionDb(workFile('million.db'), workFile('million.keys.json'), scale, MILLION_KEYED);
  const seedMs = performance.now() - seedStarted;
  const dbBytes = statSync(seeded.dbPath).size;
  // The sweeper figure needs the database as seeded: the running mesh's own sweeper prunes its history.
  const sweepDb = workFile('million-sweep.db');
  copyFileSync(seeded.dbPath, sweepDb);
  progress(`scale: seeded in ${formatMs(seedMs)}, ${formatBytes(dbBytes)}; SQLite reading nodes and services once`);
  const tableRead = await measureTableRead(seeded.dbPath);
  progress(`scale: table read ${formatMs(tableRead.nodesMs + tableRead.servicesMs)}; starting mesh`);
  // Only the keyed sample heartbeats: the other nodes would all pass the offline threshold five
  // minutes after start and turn the run into a mass-silence test (a full run stalled there). A
  // real million beats every two minutes, so the scale mesh gets a threshold longer than the run;
  // the sweeper figure below runs its own pass with the default threshold.
  const { server: mesh, ms: startupMs } = await startTimedMesh(seeded.dbPath, { MESH_OFFLINE_AFTER_MS: String(3_600_000) });
  let startup;
  let million;
  let delta;
  try {
    progress(`scale: mesh answered after ${formatMs(startupMs)}; one full GET /nodes?status=active`);
    startup = await measureStartup(mesh, startupMs, tableRead);
    progress(`scale: ${formatBytes(startup.fullAnswer.bytes)} in ${formatMs(startup.fullAnswer.ms)}`);
    million = await sustainedHeartbeats(mesh, seeded.keysFile, seeded.keys.active.length, {
      minTimestamp: reference.measured.result.lastTimestamp ?? 0,
      // Half as much again as the reference reached: scale should not cost throughput.
      presigned: presignFor(Math.max(2_000, 1.5 * reference.measured.result.rate)),
      label: `heartbeats REST, ${formatCount(scale)} nodes`,
    });
    const changer = seeded.keys.active[1] ?? seeded.keys.active[0]!;
    delta = await measureDelta(mesh, changer, million.measured.result.lastTimestamp ?? Date.now());
    if (delta.unavailable) progress(`delta: not available: ${delta.unavailable}`);
  } finally {
    await stopChild(mesh.child, 60_000);
  }

  progress('uptime: two minutely refreshes at scale, in this process, with the event loop watched');
  const uptime = await measureUptimeRefresh(seeded.dbPath, seeded.now);
  progress(
    `uptime: ${formatMs(uptime.ms)} / ${formatMs(uptime.second.ms)}, longest stall ${formatMs(uptime.longestStallMs)} / ${formatMs(uptime.second.longestStallMs)}`,
  );
  progress('sweeper: one pass at scale, in this process, with the event loop watched');
  const sweep = await measureSweepStall(sweepDb, seeded.now);
  progress(`sweeper: ${formatMs(sweep.ms)}, longest stall ${formatMs(sweep.longestStallMs)}; simulating a day`);
  const day = await simulateDay();

  const figures: MillionFigures = {
    scale,
    keyed: seeded.keys.active.length,
    seedMs,
    dbBytes,
    expiredHeartbeats: seeded.expiredHeartbeats,
    verify,
    reference,
    referencePersisted,
    etcd,
    startup,
    million,
    delta,
    sweep,
    uptime,
    day,
    noisy: [...noisyFigures],
  };
  // The raw figures, to render the report again without a rerun (the workspace goes with the run).
  const figuresFile = join(tmpdir(), 'mesh-bench-scale-figures.json');
  writeFileSync(figuresFile, JSON.stringify({ machine, figures }));
  progress(`figures kept in ${figuresFile}`);
  const { rows, notes } = millionReport(figures, machine);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  for (const note of notes) process.stdout.write(`- ${note.replace(/\*\*/g, '')}\n`);
  if (WRITE) {
    writeMillionSection(machine, figures, rows, notes);
    progress('written to BENCHMARKS.md (section "A million nodes")');
  }
}
