import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { sql } from 'drizzle-orm';
import * as schema from './schema.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, startCheckpoints, type Checkpoints } from './checkpoints.js';

export type Db = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
// The local driver is synchronous: SQLite's busy handler sleeps on the main thread, so each wait
// for another connection's lock is kept this short, and the waiting is done between attempts,
// asynchronously, while the event loop serves everything else.
const BUSY_WAIT_PER_ATTEMPT_MS = 10;
const FIRST_RETRY_DELAY_MS = 5;
const MAX_RETRY_DELAY_MS = 100;
/** How long a write waits, in all, for another connection's write lock: MESH_DB_BUSY_TIMEOUT_MS. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * The database stayed locked by another connection for longer than a write may wait. Nothing of
 * the writes refused with it was committed; the same writes may succeed a moment later.
 */
export class StorageBusyError extends Error {
  override name = 'StorageBusyError';
}

/** Whether SQLite answered SQLITE_BUSY (locked by another connection), wherever the error was wrapped. */
export function isBusyError(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'))) return true;
  }
  return false;
}

export interface MeshDatabase {
  readonly db: Db;
  readonly client: Client;
  /**
   * Runs `work` in a write transaction (BEGIN IMMEDIATE), after every earlier one in this process:
   * SQLite has one writer, so queueing here instead of in SQLite keeps writes in order and spares
   * them SQLITE_BUSY, and an in-memory database (one connection) is never asked for a second
   * connection while a transaction holds it. Writes queued together commit together, each in its
   * own savepoint; the promise settles only once that commit is done.
   */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `work` after every queued write, with nothing else in between, on the writers' connection.
   * It is run again if the database is busy, so it must be safe to repeat (a read, for one).
   */
  exclusive<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Runs a read. On a file or a server it runs at once, beside any write (WAL readers do not wait);
   * an in-memory database has a single connection, so there it waits its turn like a write.
   */
  read<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /** Why writes fail now (the last one failed and none succeeded since), or null when they work. */
  writeFailure(): { since: number; message: string } | null;
  /** The WAL checkpoints mesh runs from a timer (a database file only, and unless turned off). */
  readonly checkpoints: Checkpoints | null;
  close(): void;
}

export interface OpenOptions {
  /** How long a write waits, in all, for another connection's write lock before it fails as busy. */
  busyTimeoutMs?: number;
  /**
   * How often the WAL is checkpointed (PASSIVE, on a connection of its own); 0: never by mesh (left
   * to Litestream, or to whoever else checkpoints). A database file only.
   */
  checkpointIntervalMs?: number;
  /** Where a failed timed checkpoint is reported (the next one tries again). */
  onCheckpointError?: (error: Error) => void;
}

/** Migrations this build has that the database has not applied (0 when it is up to date). */
let migrationsInBuild: number | undefined;

export async function pendingMigrations(database: MeshDatabase): Promise<number> {
  const expected = (migrationsInBuild ??= readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length);
  const [row] = await database.read((db) => db.all<{ n: number }>(sql`select count(*) as n from __drizzle_migrations`));
  return Math.max(0, expected - Number(row?.n ?? 0));
}

/** The libSQL URL for a mesh database: `MESH_DB_URL` wins, else the file at `MESH_DB_PATH`. */
export function databaseUrl(options: { url?: string | undefined; path: string }): string {
  if (options.url) return options.url;
  return options.path.startsWith('file:') ? options.path : `file:${options.path}`;
}

/** Opens (creating if need be) a mesh database and brings its schema up to date. */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<MeshDatabase> {
  let client: Client | undefined;
  try {
    client = createClient({ url, timeout: BUSY_WAIT_PER_ATTEMPT_MS });
    if (url.startsWith('file:') && !isInMemory(url)) {
      const opened = client;
      // WAL lets readers go on while a write commits; NORMAL is crash-safe under WAL. Switching a new
      // file to WAL needs it to itself: processes started together wait for each other here too.
      await whenFree(client, async () => {
        await opened.execute('PRAGMA journal_mode = WAL');
        await opened.execute('PRAGMA synchronous = NORMAL');
      });
      await client.execute(NO_AUTOMATIC_CHECKPOINT);
    }
    await client.execute('PRAGMA foreign_keys = ON');
    const db = drizzle(client, { schema });
    await migrateWhenFree(client, db);
    // A libSQL server has no such driver defect, and an in-memory database has one connection only.
    const writer = databaseFile(url) !== null ? await openWriter(url) : { client, db };
    const checkpointIntervalMs =
      databaseFile(url) !== null ? (options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS) : 0;
    return wrap(url, client, db, writer, isInMemory(url), options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, {
      intervalMs: checkpointIntervalMs,
      onError: options.onCheckpointError ?? (() => undefined),
    });
  } catch (error) {
    client?.close();
    throw new Error(`cannot open the mesh database at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Migrations take the write lock: another process holding it is waited for, in short attempts.
 * Nothing else uses the client yet, so after a busy failure its connections are simply reopened
 * (the failed statement would poison the next commit on its connection, as for writes).
 */
async function migrateWhenFree(client: Client, db: Db): Promise<void> {
  const migrateOnce = () => whenFree(client, () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }));
  try {
    await migrateOnce();
  } catch (error) {
    if (isBusyError(error)) throw error;
    // drizzle reads which migrations were applied before its batch takes the write lock: a process
    // started beside this one may commit them in between, and this batch then fails ("table …
    // already exists") with nothing written. Read again: what is still missing, if anything, is
    // applied; a migration that fails by itself fails again and is reported.
    await migrateOnce();
  }
}

/** Runs `work` (safe to repeat) until it does not fail busy, reopening the connections between attempts. */
function whenFree(client: Client, work: () => Promise<void>): Promise<void> {
  return retryWhileBusy(DEFAULT_BUSY_TIMEOUT_MS, work, () => void client.reconnect());
}

/**
 * Makes `attempt` again, after a growing pause, while it fails busy (another connection holds the
 * write lock), until `timeoutMs` have passed; then the last busy error is thrown. `afterBusy` runs
 * after every busy failure, the last included: the connection that failed is not to be used again.
 */
async function retryWhileBusy<T>(timeoutMs: number, attempt: () => Promise<T>, afterBusy: () => unknown): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let delay = FIRST_RETRY_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      await afterBusy();
      if (performance.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Connection {
  client: Client;
  db: Db;
}

/**
 * SQLite checkpoints automatically inside the COMMIT that grows the WAL past 1,000 pages: that one
 * write, and every write queued behind it, waits for the copy. Mesh checkpoints from a timer on a
 * connection of its own instead (checkpoints.ts), or leaves it to Litestream, which asks for exactly
 * this so that the application's checkpoints do not race its own. The setting is per connection:
 * it is given to each connection that commits.
 */
const NO_AUTOMATIC_CHECKPOINT = 'PRAGMA wal_autocheckpoint = 0';

/**
 * The connection every write transaction runs on, apart from the readers' pool: when a write fails
 * busy, the driver leaves its failed BEGIN IMMEDIATE in progress until garbage collection, and every
 * COMMIT on that connection fails meanwhile ("SQL statements in progress"). That connection is then
 * thrown away and this one opened anew, which costs a file open, and touches no reader.
 */
async function openWriter(url: string): Promise<Connection> {
  const client = createClient({ url, timeout: BUSY_WAIT_PER_ATTEMPT_MS, concurrency: 1 });
  try {
    await client.execute('PRAGMA foreign_keys = ON');
    await client.execute(NO_AUTOMATIC_CHECKPOINT);
  } catch (error) {
    client.close();
    throw error;
  }
  return { client, db: drizzle(client, { schema }) };
}

/** The SQLite file a database URL names, or null for memory and servers. */
export function databaseFile(url: string): string | null {
  if (!url.startsWith('file:') || isInMemory(url)) return null;
  const path = url.slice('file:'.length).split('?')[0] ?? '';
  return path.startsWith('//') ? path.slice(2) : path;
}

function isInMemory(url: string): boolean {
  return url === ':memory:' || url.startsWith('file::memory:') || url.includes('mode=memory');
}

/** A database URL fit for a log line: no credentials. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:authToken|auth_token)=)[^&]*/gi, '$1***').replace(/\/\/[^@/]*@/, '//***@');
}

/** Writes committed together at most: bounds how long the first of them waits for the commit. */
const MAX_GROUP = 256;

interface Job {
  kind: 'write' | 'exclusive';
  run: (db: Db | Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Thrown out of a lone write's transaction to roll it back; the write's own error is in its outcome. */
class RolledBack extends Error {}

function wrap(
  url: string,
  client: Client,
  db: Db,
  firstWriter: Connection,
  inMemory: boolean,
  busyTimeoutMs: number,
  checkpointing: { intervalMs: number; onError: (error: Error) => void },
): MeshDatabase {
  const queue: Job[] = [];
  let draining = false;
  let writer = firstWriter;
  let failure: { since: number; message: string } | null = null;

  async function renewWriter(): Promise<void> {
    if (writer.client === client) return;
    writer.client.close();
    writer = await openWriter(url);
  }

  // SQLite refuses BEGIN IMMEDIATE with SQLITE_BUSY while another connection (another process, a
  // backup) writes. The attempt is made again after a growing pause, on a fresh connection, until
  // busyTimeoutMs have passed; meanwhile the event loop is free. Nothing of a failed attempt was
  // committed, and attempts rebuild their writes from their inputs, so trying again is safe.
  async function whenNotBusy<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await retryWhileBusy(busyTimeoutMs, attempt, () => renewWriter().catch(() => undefined));
    } catch (error) {
      if (!isBusyError(error)) throw error;
      throw new StorageBusyError(
        `the database stayed locked by another connection for ${busyTimeoutMs} ms (MESH_DB_BUSY_TIMEOUT_MS): nothing was written`,
        { cause: error },
      );
    }
  }

  // Group commit: the writes queued while a transaction ran are committed together, each in its own
  // savepoint, so one failing write rolls back alone. Every write is acknowledged only after the
  // commit that holds it, and one commit costs about what a single write's commit did.
  async function commitGroupOnce(group: Job[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    try {
      await writer.db.transaction(async (tx) => {
        for (const job of group) {
          try {
            const value = group.length === 1 ? await job.run(tx) : await tx.transaction((savepoint) => job.run(savepoint));
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
            if (group.length === 1) throw new RolledBack();
          }
        }
      });
    } catch (error) {
      if (!(error instanceof RolledBack)) throw error;
    }
    return outcomes;
  }

  async function commitGroup(group: Job[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await whenNotBusy(() => commitGroupOnce(group));
      failure = null;
    } catch (error) {
      // The group failed as a whole: the database's failure, not a request's (those fail alone).
      failure ??= { since: Date.now(), message: (error as Error).message };
      for (const job of group) job.reject(error);
      return;
    }
    group.forEach((job, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) job.resolve(outcome.value);
      else job.reject(outcome?.error);
    });
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        if (queue[0]?.kind === 'exclusive') {
          const job = queue.shift() as Job;
          await whenNotBusy(() => job.run(writer.db)).then(job.resolve, job.reject);
          continue;
        }
        const group: Job[] = [];
        while (group.length < MAX_GROUP && queue[0]?.kind === 'write') group.push(queue.shift() as Job);
        await commitGroup(group);
      }
    } finally {
      draining = false;
    }
  }

  function enqueue<T>(kind: Job['kind'], run: (db: Db | Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ kind, run, resolve: resolve as (value: unknown) => void, reject });
      void drain();
    });
  }

  // Queued like a write, so that it runs between two write transactions, on its own connection.
  const checkpoints =
    checkpointing.intervalMs > 0
      ? startCheckpoints(url, checkpointing.intervalMs, (work) => enqueue('exclusive', () => work()), checkpointing.onError)
      : null;

  return {
    db,
    client,
    write: (work) => enqueue('write', (tx) => work(tx as Tx)),
    exclusive: (work) => enqueue('exclusive', (handle) => work(handle as Db)),
    read: (work) => (inMemory ? enqueue('exclusive', (handle) => work(handle as Db)) : work(db)),
    writeFailure: () => failure,
    checkpoints,
    close: () => {
      checkpoints?.stop();
      if (writer.client !== client) writer.client.close();
      client.close();
    },
  };
}
