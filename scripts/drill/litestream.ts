/**
 * Litestream as the drill runs it: the binary from the @flydotio/litestream-linux-x64 package
 * (never a download), a configuration that replicates one database to a directory, `replicate` as
 * a process of its own and `restore` as a command.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Running } from '../../shared/testing/processes.js';

const PACKAGE = '@flydotio/litestream-linux-x64';

/** The litestream executable the package ships (it has no install script: the file is in the tarball). */
export function litestreamBinary(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the drill runs the ${PACKAGE} binary: Linux on x64 only (this is ${process.platform}/${process.arch})`);
  }
  const binary = join(dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`)), 'litestream');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm ci`);
  return binary;
}

/**
 * Writes a Litestream configuration replicating `database` to the directory `replica`, syncing every
 * `syncIntervalMs` (deploy/litestream.yml is the production one, to S3-compatible storage).
 */
export function writeLitestreamConfig(file: string, database: string, replica: string, syncIntervalMs: number): string {
  writeFileSync(
    file,
    [
      'dbs:',
      `  - path: ${JSON.stringify(database)}`,
      '    replicas:',
      '      - type: file',
      `        path: ${JSON.stringify(replica)}`,
      `        sync-interval: ${syncIntervalMs}ms`,
      '',
    ].join('\n'),
  );
  return file;
}

/** `litestream replicate` with that configuration, as its own process. */
export function startReplicating(config: string): Running {
  const child = spawn(litestreamBinary(), ['replicate', '-config', config], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Running(child, 100_000);
}

/** Whether the replica holds a snapshot and a WAL segment after it: something to restore from. */
export function replicaReady(replica: string): boolean {
  const generations = join(replica, 'generations');
  if (!existsSync(generations)) return false;
  return readdirSync(generations).some((generation) => {
    const wal = join(generations, generation, 'wal');
    const snapshots = join(generations, generation, 'snapshots');
    return existsSync(wal) && existsSync(snapshots) && readdirSync(wal).length > 0 && readdirSync(snapshots).length > 0;
  });
}

/** `litestream restore`: writes the replica's latest state of `database` to `output`. */
export async function restoreReplica(config: string, database: string, output: string): Promise<void> {
  const restore = new Running(
    spawn(litestreamBinary(), ['restore', '-config', config, '-o', output, database], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const code = await restore.exited;
  if (code !== 0) throw new Error(`litestream restore exited ${code}:\n${restore.output}`);
}
