import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { sql } from 'drizzle-orm';
import * as schema from './schema.js';

export type Db = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
// A write that finds another process's write under way waits this long before it fails.
const BUSY_TIMEOUT_MS = 5_000;

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
  /** Runs `work` after every queued write, with nothing else in between. */
  exclusive<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Runs a read. On a file or a server it runs at once, beside any write (WAL readers do not wait);
   * an in-memory database has a single connection, so there it waits its turn like a write.
   */
  read<T>(work: (db: Db) => Promise<T>): Promise<T>;
  close(): void;
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
export async function openDatabase(url: string): Promise<MeshDatabase> {
  let client: Client | undefined;
  try {
    client = createClient({ url, timeout: BUSY_TIMEOUT_MS });
    if (url.startsWith('file:') && !isInMemory(url)) {
      // WAL lets readers go on while a write commits; NORMAL is crash-safe under WAL.
      await client.execute('PRAGMA journal_mode = WAL');
      await client.execute('PRAGMA synchronous = NORMAL');
    }
    await client.execute('PRAGMA foreign_keys = ON');
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return wrap(client, db, isInMemory(url));
  } catch (error) {
    client?.close();
    throw new Error(`cannot open the mesh database at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
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

function wrap(client: Client, db: Db, inMemory: boolean): MeshDatabase {
  const queue: Job[] = [];
  let draining = false;

  // Group commit: the writes queued while a transaction ran are committed together, each in its own
  // savepoint, so one failing write rolls back alone. Every write is acknowledged only after the
  // commit that holds it, and one commit costs about what a single write's commit did.
  async function commitGroup(group: Job[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await db.transaction(
        async (tx) => {
          for (const job of group) {
            try {
              const value = group.length === 1 ? await job.run(tx) : await tx.transaction((savepoint) => job.run(savepoint));
              outcomes.push({ ok: true, value });
            } catch (error) {
              if (group.length === 1) throw error;
              outcomes.push({ ok: false, error });
            }
          }
        },
        { behavior: 'immediate' },
      );
    } catch (error) {
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
          await job.run(db).then(job.resolve, job.reject);
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

  return {
    db,
    client,
    write: (work) => enqueue('write', (tx) => work(tx as Tx)),
    exclusive: (work) => enqueue('exclusive', (handle) => work(handle as Db)),
    read: (work) => (inMemory ? enqueue('exclusive', (handle) => work(handle as Db)) : work(db)),
    close: () => client.close(),
  };
}
