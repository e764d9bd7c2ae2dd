import { createClient } from '@libsql/client';

/**
 * MESH_TEST_DB_URL: the database the tests use instead of a fresh in-memory one, such as a libSQL
 * server (`libsql://…`, `http://…`) so that the same tests run against it unchanged. Unset: memory.
 * Tests that name a database file of their own (restarts, backups, Litestream) keep it: what they
 * test is that file.
 */
export function testDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  return env.MESH_TEST_DB_URL || ':memory:';
}

/**
 * The URL of an empty database for one test: memory is empty by itself; the database at
 * MESH_TEST_DB_URL is emptied first (every table dropped, migrations included, so that mesh
 * applies them anew), as a test expects of a database it did not share. Tests sharing one such
 * database must not run in parallel: vitest.config.ts turns file parallelism off when it is set.
 */
export async function freshTestDatabaseUrl(env: Record<string, string | undefined> = process.env): Promise<string> {
  const url = testDatabaseUrl(env);
  if (url !== ':memory:') await emptyDatabase(url);
  return url;
}

/** Drops every table of the database at `url`, in one transaction. */
export async function emptyDatabase(url: string): Promise<void> {
  const client = createClient({ url });
  try {
    const tables = await client.execute(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    );
    if (tables.rows.length === 0) return;
    await client.batch(
      [
        // Inside a transaction foreign_keys cannot be turned off; their checks can wait for the commit,
        // when no table is left to check.
        'PRAGMA defer_foreign_keys = ON',
        ...tables.rows.map((row) => `DROP TABLE "${(row[0] as string).replaceAll('"', '""')}"`),
      ],
      'write',
    );
  } finally {
    client.close();
  }
}
