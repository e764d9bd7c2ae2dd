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
 *   npm run bench -- --scale 1000000
 *                                 the scale run instead (million.ts): 1,000,000 seeded nodes,
 *                                 beside the same run's 1,000-node figure and etcd; writes the
 *                                 "A million nodes" section of BENCHMARKS.md (with --quick: a
 *                                 shorter run that writes nothing, e.g. --scale 20000 --quick)
 */
import { stopAllChildren, stopChild } from './processes.js';
import { measureDiscovery, seedDiscoveryDb, type DiscoveryFigures } from './figure-discovery.js';
import { measureEvents } from './figure-events.js';
import { countRows, measureHeartbeats, seedHeartbeatDb } from './figure-heartbeats.js';
import { measureLimits } from './figure-limits.js';
import { measureScale } from './figure-scale.js';
import { measurePropagation } from './figure-propagation.js';
import { runScale } from './million.js';
import { machineInfo, writeBenchmarksPage } from './page.js';
import { profileHeartbeats } from './profile.js';
import { report } from './report-rows.js';
import { formatCount, textTable } from './report.js';
import { startMesh } from './servers.js';
import {
  DISCOVERY_SIZES,
  HEARTBEAT_NODES,
  PENDING_NODES,
  PROFILE,
  progress,
  QUICK,
  SCALE,
  SCALE_NODES,
  WRITE,
} from './settings.js';
import { cleanupNow, openWorkspace, workFile } from './workspace.js';

async function main(): Promise<void> {
  openWorkspace();
  if (SCALE !== null) {
    await runScale(SCALE);
    return;
  }
  if (PROFILE) {
    await profileHeartbeats();
    return;
  }
  const machine = machineInfo();
  const limits = await measureLimits();

  // Heartbeats, discovery at 1,000, events: one mesh over 1,000 active nodes with real keys.
  progress(`heartbeats: seeding ${formatCount(HEARTBEAT_NODES)} active nodes with keys (+ ${PENDING_NODES} pending)`);
  const db = await seedHeartbeatDb('heartbeats');
  let mesh = await startMesh(db.dbPath);
  const discovery: DiscoveryFigures[] = [];
  let heartbeats;
  let events;
  try {
    heartbeats = await measureHeartbeats(mesh, db);
    discovery.push(await measureDiscovery(mesh, DISCOVERY_SIZES[0]));
    events = await measureEvents(mesh, db, heartbeats.trpc.result.lastTimestamp ?? 0);
  } finally {
    await stopChild(mesh.child);
  }
  heartbeats.persisted = await countRows(db.dbPath, 'heartbeats');

  progress(`discovery: seeding ${formatCount(DISCOVERY_SIZES[1])} active nodes`);
  mesh = await startMesh(await seedDiscoveryDb(DISCOVERY_SIZES[1], db.keys.sovereign.publicKey));
  try {
    discovery.push(await measureDiscovery(mesh, DISCOVERY_SIZES[1]));
  } finally {
    await stopChild(mesh.child);
  }

  progress(`scale: seeding ${formatCount(SCALE_NODES)} nodes`);
  const scale = await measureScale(db.keys.sovereign.publicKey);

  progress('propagation: two mesh processes on one file');
  const propagation = await measurePropagation(workFile('propagation.db'), QUICK ? 30 : 200);

  const { rows, notes } = report({ limits, heartbeats, discovery, events, scale, propagation }, machine);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  for (const note of notes) process.stdout.write(`- ${note.replace(/\*\*/g, '')}\n`);
  if (WRITE) {
    writeBenchmarksPage(machine, rows, notes);
    progress('written to BENCHMARKS.md');
  }
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
