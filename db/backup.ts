import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { databaseFile } from './location.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
const BUSY_TIMEOUT_MS = 5_000;
const SQLITE_HEADER = 'SQLite format 3\0';
/** Tables every mesh database has had since its first migration. */
const MESH_TABLES = ['nodes', 'services', 'sovereign_keys', 'signer_clocks', '__drizzle_migrations'];

/**
 * The mesh_meta row that holds the restore floor: signed requests whose timestamp is not after it
 * are refused, whatever their key (see restoreDatabase).
 */
export const SIGNED_AFTER_KEY = 'signed_after';

/**
 * How far revisions jump when a restore cannot see the database it replaces (the host is gone, a
 * failover): more than the events the lost database could have written after the backup or the
 * replica's last copy (at most a second's worth), so that no revision a watcher saw is reused for
 * another event, and a watcher resuming from one misses none of the new events.
 */
export const LOST_REVISIONS_MARGIN = 1_000_000;

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface DatabaseSummary {
  file: string;
  bytes: number;
  revision: number;
  nodes: number;
  sovereigns: number;
  migrations: number;
}

// libSQL takes no read-only flag in its URL: the files opened only to be read are never written.
function fileUrl(file: string): string {
  return pathToFileURL(file).href;
}

function cellText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function scalar(client: Client, sql: string): Promise<number> {
  const result = await client.execute(sql);
  return Number(result.rows[0]?.[0] ?? 0);
}

async function summarize(client: Client, file: string): Promise<DatabaseSummary> {
  return {
    file,
    bytes: statSync(file).size,
    revision: await scalar(client, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`),
    nodes: await scalar(client, 'SELECT count(*) FROM nodes'),
    sovereigns: await scalar(client, 'SELECT count(*) FROM sovereign_keys'),
    migrations: await scalar(client, 'SELECT count(*) FROM __drizzle_migrations'),
  };
}

/**
 * Writes a consistent snapshot of the mesh database at `sourceUrl` to `target`, while mesh keeps
 * running. VACUUM INTO reads inside one read transaction: under WAL, writers go on beside it, and
 * the copy is the database as of that transaction's start. The copy is written beside the target
 * and renamed into place, so a crash never leaves a half-written backup under the target's name.
 */
export async function backupDatabase(sourceUrl: string, target: string): Promise<DatabaseSummary> {
  const source = databaseFile(sourceUrl);
  if (source === null) {
    throw new BackupError('backups copy a local SQLite file (MESH_DB_PATH); for a libSQL server, use the server’s own backups');
  }
  if (!existsSync(source)) throw new BackupError(`there is no mesh database at ${source} (MESH_DB_PATH)`);
  if (existsSync(target)) throw new BackupError(`${target} exists already: choose a new file, a backup never overwrites one`);
  if (!existsSync(dirname(target))) throw new BackupError(`the directory of ${target} does not exist`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  // Not openDatabase: a backup must never migrate the database of a running mesh.
  const client = createClient({ url: fileUrl(source), timeout: BUSY_TIMEOUT_MS });
  try {
    await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    await requireMeshDatabase(client, source);
    await client.execute({ sql: 'VACUUM INTO ?', args: [partial] });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    client.close();
  }
  const descriptor = openSync(partial, 'r+');
  fsyncSync(descriptor);
  closeSync(descriptor);
  renameSync(partial, target);
  return inspectBackup(target);
}

async function requireMeshDatabase(client: Client, file: string): Promise<void> {
  const tables = (await client.execute(`SELECT name FROM sqlite_master WHERE type = 'table'`)).rows.map((row) =>
    cellText(row[0]),
  );
  const missing = MESH_TABLES.filter((table) => !tables.includes(table));
  if (missing.length > 0) throw new BackupError(`${file} is not a mesh database (no ${missing.join(', ')} table)`);
}

/**
 * Checks that `file` is an intact mesh database this code can run: an SQLite file with mesh's
 * tables, passing SQLite's own check, whose migrations are all known here (a backup made by a newer
 * mesh would be opened by code that does not know its schema).
 */
export async function inspectBackup(file: string): Promise<DatabaseSummary> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const descriptor = openSync(file, 'r');
  try {
    readSync(descriptor, header, 0, header.length, 0);
  } finally {
    closeSync(descriptor);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) throw new BackupError(`${file} is not a mesh database (not an SQLite file)`);
  const client = createClient({ url: fileUrl(file) });
  try {
    await requireMeshDatabase(client, file);
    const check = (await client.execute('PRAGMA quick_check')).rows.map((row) => cellText(row[0]));
    if (check.join() !== 'ok') throw new BackupError(`${file} is damaged: ${check.slice(0, 3).join('; ')}`);
    const known = new Set(readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((migration) => migration.hash));
    const applied = (await client.execute('SELECT hash FROM __drizzle_migrations')).rows.map((row) => cellText(row[0]));
    const unknown = applied.filter((hash) => !known.has(hash));
    if (unknown.length > 0) {
      throw new BackupError(
        `${file} has ${unknown.length} migration(s) this mesh does not know (made by a newer mesh?): restore it with that version`,
      );
    }
    return await summarize(client, file);
  } finally {
    client.close();
  }
}

async function hasTable(client: Client, name: string): Promise<boolean> {
  const result = await client.execute({ sql: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, args: [name] });
  return result.rows.length > 0;
}

/** The part of a database's state a restore must never take back: revisions and replay clocks. */
async function monotonicState(
  file: string,
): Promise<{ revision: number; clocks: Map<string, number>; signedAfter: number } | null> {
  if (!existsSync(file)) return null;
  const client = createClient({ url: fileUrl(file) });
  try {
    const revision = await scalar(client, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`);
    const rows = (await client.execute('SELECT public_key, last_timestamp FROM signer_clocks')).rows;
    const floor = (await hasTable(client, 'mesh_meta'))
      ? await client.execute({ sql: 'SELECT value FROM mesh_meta WHERE key = ?', args: [SIGNED_AFTER_KEY] })
      : null;
    return {
      revision,
      clocks: new Map(rows.map((row) => [cellText(row[0]), Number(row[1])])),
      signedAfter: Number(floor?.rows[0]?.[0] ?? 0),
    };
  } catch {
    // The database being replaced is unreadable (often why one restores): nothing to carry over.
    return null;
  } finally {
    client.close();
  }
}

export interface RestoreOutcome {
  restored: DatabaseSummary;
  /** Where the database that was replaced now is, if there was one. */
  previous: string | null;
}

/**
 * Puts a backup in place of the database at `targetUrl`; mesh must be stopped. The backup is checked
 * first, copied beside the target and renamed over it; the database it replaces is kept as
 * `<file>.before-restore-<time>`. Two things never go back in time: the events revision continues
 * after the higher of the two databases' (a watcher never sees a revision reused; with no database
 * to replace, as after a failover, it jumps LOST_REVISIONS_MARGIN past the backup's), and no signed
 * request whose timestamp is not after `newFloor` (by default `now`) is accepted any more, from
 * any key: a request the lost database accepted, after the backup was taken (or after the replica's
 * last copy), is no longer on record as accepted, and would otherwise be taken again if replayed.
 * A key the backup never saw (a registration accepted in the lost window) is covered too, by the
 * floor in mesh_meta, which mesh reads at start-up. The caller adds to `now` how far in the future
 * the lost database accepted timestamps (MESH_MAX_FUTURE_SKEW_MS).
 */
export async function restoreDatabase(backup: string, targetUrl: string, now: number, newFloor = now): Promise<RestoreOutcome> {
  const target = databaseFile(targetUrl);
  if (target === null) throw new BackupError('a restore writes a local SQLite file (MESH_DB_PATH)');
  await inspectBackup(backup);
  const before = await monotonicState(target);
  const signedAfter = Math.max(newFloor, before?.signedAfter ?? 0);
  const staging = join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
  rmSync(staging, { force: true });
  const client = createClient({ url: fileUrl(backup) });
  try {
    await client.execute({ sql: 'VACUUM INTO ?', args: [staging] });
  } finally {
    client.close();
  }
  const staged = createClient({ url: fileUrl(staging) });
  try {
    await staged.batch(
      [
        // Nothing is known of what the lost database wrote: the log goes on far past it.
        ...(before === null
          ? [
              {
                sql: `UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'events'`,
                args: [LOST_REVISIONS_MARGIN],
              },
              {
                sql: `INSERT INTO sqlite_sequence (name, seq) SELECT 'events', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')`,
                args: [LOST_REVISIONS_MARGIN],
              },
            ]
          : []),
        {
          sql: `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'events'`,
          args: [before?.revision ?? 0],
        },
        {
          sql: `INSERT INTO sqlite_sequence (name, seq) SELECT 'events', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')`,
          args: [before?.revision ?? 0],
        },
        { sql: 'UPDATE signer_clocks SET last_timestamp = max(last_timestamp, ?)', args: [signedAfter] },
        ...[...(before?.clocks ?? [])].map(([publicKey, lastTimestamp]) => ({
          sql: `INSERT INTO signer_clocks (public_key, last_timestamp) VALUES (?, ?)
                ON CONFLICT (public_key) DO UPDATE SET last_timestamp = max(last_timestamp, excluded.last_timestamp)`,
          args: [publicKey, Math.max(lastTimestamp, signedAfter)],
        })),
        // A backup older than mesh_meta (the first migration's) gets it at start-up, without a floor:
        // its keys' clocks above still hold.
        ...((await hasTable(staged, 'mesh_meta'))
          ? [
              {
                sql: `INSERT INTO mesh_meta (key, value) VALUES (?, ?)
                      ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`,
                args: [SIGNED_AFTER_KEY, signedAfter],
              },
            ]
          : []),
      ],
      'write',
    );
  } finally {
    staged.close();
  }
  let previous: string | null = null;
  if (existsSync(target)) {
    previous = `${target}.before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, previous);
  }
  // A WAL left by the replaced database must not be replayed onto the restored one.
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(target + suffix)) renameSync(target + suffix, (previous ?? target) + suffix);
  }
  renameSync(staging, target);
  const restored = createClient({ url: fileUrl(target) });
  try {
    return { restored: await summarize(restored, target), previous };
  } finally {
    restored.close();
  }
}
