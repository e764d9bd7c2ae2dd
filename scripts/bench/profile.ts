/**
 * `npm run bench -- --profile`: REST then tRPC heartbeats, each with mesh under node --cpu-prof;
 * profiles in bench-profiles/, a summary of the measured window printed.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../shared/testing/processes.js';
import { seedHeartbeatDb } from './figure-heartbeats.js';
import type { LoadResult } from './jobs.js';
import { HEARTBEAT_TIMEOUT_MS, heartbeatJob, load } from './measure.js';
import { stopChild } from './processes.js';
import { formatSummary, readProfile, summarise } from './profile-summary.js';
import { describeLoad } from './report-rows.js';
import { startMesh } from './servers.js';
import { progress } from './settings.js';

export async function profileHeartbeats(): Promise<void> {
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
