/**
 * The benchmark's temporary directory (databases, key files, bodies), and its removal with every
 * child process on every way out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildrenNow } from './processes.js';
import { progress } from './settings.js';

/** Removes what an earlier run killed hard (SIGKILL leaves no chance to clean up) left behind. */
function removeStaleTempDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('mesh-bench-')) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
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

let workDir: string | undefined;
let cleanedUp = false;

/** Kills the children and removes the directory; safe to call more than once. */
export function cleanupNow(): void {
  if (cleanedUp) return;
  cleanedUp = true;
  killAllChildrenNow();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}

/** Makes the run's directory (once) and arranges for cleanupNow on exit and on signals. */
export function openWorkspace(): string {
  if (workDir) return workDir;
  removeStaleTempDirs();
  workDir = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  writeFileSync(join(workDir, 'owner.pid'), String(process.pid));
  process.once('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping`);
      cleanupNow();
      process.exit(130);
    });
  }
  return workDir;
}

/** A path inside the run's directory. */
export function workFile(name: string): string {
  return join(openWorkspace(), name);
}
