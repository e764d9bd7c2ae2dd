import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
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
   * Runs `work` in one write transaction (BEGIN IMMEDIATE), after every earlier one in this process
   * has finished: SQLite has one writer, so queueing here instead of in SQLite keeps writes in
   * order and spares them SQLITE_BUSY, and an in-memory database (one connection) is never asked
   * for a second connection while a transaction holds it.
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

function isInMemory(url: string): boolean {
  return url === ':memory:' || url.startsWith('file::memory:') || url.includes('mode=memory');
}

/** A database URL fit for a log line: no credentials. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:authToken|auth_token)=)[^&]*/gi, '$1***').replace(/\/\/[^@/]*@/, '//***@');
}

function wrap(client: Client, db: Db, inMemory: boolean): MeshDatabase {
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    db,
    client,
    write: (work) => enqueue(() => db.transaction(work, { behavior: 'immediate' })),
    exclusive: (work) => enqueue(() => work(db)),
    read: (work) => (inMemory ? enqueue(() => work(db)) : work(db)),
    close: () => client.close(),
  };
}
