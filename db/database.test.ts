import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../shared/testing/temp-dir.js';
import { waitUntil } from '../shared/testing/wait.js';
import { createClient } from '@libsql/client';
import { databaseUrl, isBusyError, openDatabase, redactUrl, StorageBusyError } from './database.js';
import { nodes, sovereignKeys } from './schema.js';

const cleanups: Array<() => void> = [];
function tempDbPath() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, 'mesh.db');
}
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('openDatabase', () => {
  it('creates the schema on a new file and keeps the data when opened again', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    const first = await openDatabase(url);
    await first.write((tx) => tx.insert(sovereignKeys).values({ publicKey: 'ab'.repeat(32), addedAt: 1 }));
    first.close();

    const second = await openDatabase(url);
    const rows = await second.db.select().from(sovereignKeys);
    expect(rows).toEqual([{ publicKey: 'ab'.repeat(32), description: '', addedAt: 1, addedBy: null }]);
    const mode = await second.client.execute('PRAGMA journal_mode');
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    second.close();
  });

  it('opens a new file for processes started together: each finds the schema the first one applied', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    const opened = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    for (const database of opened) {
      expect(await database.db.select().from(nodes)).toEqual([]);
      database.close();
    }
    const check = createClient({ url });
    const applied = await check.execute('SELECT count(*) AS n FROM __drizzle_migrations');
    check.close();
    expect(Number(applied.rows[0]?.n)).toBe(
      readdirSync(join(import.meta.dirname, 'migrations')).filter((f) => f.endsWith('.sql')).length,
    );
  });

  it('enforces foreign keys and the status check', async () => {
    const database = await openDatabase(':memory:');
    await expect(
      database.client.execute("INSERT INTO services (node_id, service_type, port, position) VALUES ('ghost', 'ledger', 1, 0)"),
    ).rejects.toThrow(/FOREIGN KEY/);
    const refused = await database
      .write((tx) =>
        tx.insert(nodes).values({
          id: 'n1',
          publicKey: 'k',
          tailscaleHostname: 'h',
          status: 'bogus' as 'active',
          registeredAt: 1,
          registrationSignature: 's',
        }),
      )
      .catch((error: unknown) => error);
    // drizzle wraps the driver's error: the constraint that refused the row is named in its cause.
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).cause).toMatchObject({
      extendedCode: 'SQLITE_CONSTRAINT_CHECK',
      message: 'SQLITE_CONSTRAINT: CHECK constraint failed: nodes_status_check',
    });
    database.close();
  });

  it('runs queued writes one after another, and a failed one does not block the next', async () => {
    const database = await openDatabase(':memory:');
    const order: number[] = [];
    // The first write goes through several round trips to the database before it is done: room
    // for the others to slip in, were writes not queued.
    const slow = database.write(async (tx) => {
      for (let i = 0; i < 10; i++) await tx.select().from(sovereignKeys);
      await tx.insert(sovereignKeys).values({ publicKey: '01'.repeat(32), addedAt: 1 });
      order.push(1);
    });
    const failing = database.write(() => {
      order.push(2);
      return Promise.reject(new Error('boom'));
    });
    const last = database.write(async (tx) => {
      order.push(3);
      return (await tx.select().from(sovereignKeys)).length;
    });
    await expect(failing).rejects.toThrow('boom');
    await slow;
    expect(await last).toBe(1);
    expect(order).toEqual([1, 2, 3]);
    database.close();
  });

  it('names the database, without credentials, when it cannot be opened', async () => {
    await expect(openDatabase('file:/nonexistent-dir/x/mesh.db')).rejects.toThrow(
      /cannot open the mesh database at file:\/nonexistent-dir/,
    );
    expect(redactUrl('libsql://user:pw@db.example?authToken=secret')).toBe('libsql://***@db.example?authToken=***');
  });
});

describe('group commit', () => {
  it('commits concurrent writes together, and a failing one rolls back alone', async () => {
    const database = await openDatabase(':memory:');
    const keys = ['01', '02', '03', '04'].map((byte) => byte.repeat(32));
    const results = await Promise.allSettled(
      keys.map((publicKey, index) =>
        database.write(async (tx) => {
          await tx.insert(sovereignKeys).values({ publicKey, addedAt: index });
          if (index === 2) throw new Error('refused');
          return index;
        }),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 1, 'refused', 3]);
    const rows = await database.db.select().from(sovereignKeys);
    expect(rows.map((row) => row.addedAt).sort()).toEqual([0, 1, 3]);
    database.close();
  });

  it('settles every write of a group with the error when the commit itself fails', async () => {
    const database = await openDatabase(':memory:');
    await database.client.execute('CREATE TABLE deferred_parent (id INTEGER PRIMARY KEY)');
    await database.client.execute(
      'CREATE TABLE deferred_child (parent INTEGER REFERENCES deferred_parent(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    // A deferred foreign key is checked at COMMIT: the whole group fails there, and says so to each write.
    const writes = [1, 2].map((n) =>
      database.write(async (tx) => {
        await tx.run(sql`INSERT INTO deferred_child (parent) VALUES (${n})`);
      }),
    );
    const settled = await Promise.allSettled(writes);
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    database.close();
  });
});

describe('another connection holding the write lock', () => {
  /** A second connection to the same file, in BEGIN IMMEDIATE: another process writing, or a backup. */
  async function lockHolder(url: string) {
    const holder = createClient({ url });
    const transaction = await holder.transaction('write');
    return {
      release: async () => {
        await transaction.commit();
        holder.close();
      },
    };
  }

  it('leaves the event loop free while a write waits, and the write commits once the lock is released', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    const database = await openDatabase(url);
    const holder = await lockHolder(url);
    let settled = false;
    const write = database.write((tx) => tx.insert(sovereignKeys).values({ publicKey: '01'.repeat(32), addedAt: 1 }));
    void write.finally(() => (settled = true)).catch(() => undefined);
    // With SQLite's busy wait on the main thread, this timer ran only after the write had given up.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    await holder.release();
    await write;
    expect(await database.db.select().from(sovereignKeys)).toHaveLength(1);
    database.close();
  });

  it('refuses a write as busy after MESH_DB_BUSY_TIMEOUT_MS, says so, and writes again at once after the release', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    const database = await openDatabase(url, { busyTimeoutMs: 30 });
    const holder = await lockHolder(url);
    const refused = await database
      .write((tx) => tx.insert(sovereignKeys).values({ publicKey: '01'.repeat(32), addedAt: 1 }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StorageBusyError);
    expect(isBusyError(refused)).toBe(true);
    expect(database.writeFailure()?.message).toMatch(/locked by another connection for 30 ms/);
    await holder.release();
    // The failed BEGIN IMMEDIATE no longer poisons the next COMMIT ("SQL statements in progress").
    for (const [index, byte] of ['02', '03'].entries()) {
      await database.write((tx) => tx.insert(sovereignKeys).values({ publicKey: byte.repeat(32), addedAt: index }));
    }
    expect(await database.db.select().from(sovereignKeys)).toHaveLength(2);
    expect(database.writeFailure()).toBeNull();
    database.close();
  });

  it('opens an up-to-date database beside another connection that holds the write lock (a backup)', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    (await openDatabase(url)).close();
    const holder = await lockHolder(url);
    const database = await openDatabase(url);
    const write = database.write((tx) => tx.insert(sovereignKeys).values({ publicKey: '04'.repeat(32), addedAt: 1 }));
    await holder.release();
    await write;
    expect(await database.db.select().from(sovereignKeys)).toHaveLength(1);
    database.close();
  });
});

describe('WAL checkpoints', () => {
  // About 2,400 pages of 4 KiB, in ten commits: past SQLite's automatic threshold (1,000 pages).
  async function writeMegabytes(database: Awaited<ReturnType<typeof openDatabase>>): Promise<void> {
    for (let batch = 0; batch < 10; batch++) {
      await database.write((tx) =>
        tx.insert(sovereignKeys).values(
          Array.from({ length: 300 }, (_, index) => ({
            publicKey: `${batch}-${index}`,
            description: 'x'.repeat(3_000),
            addedAt: 1,
          })),
        ),
      );
    }
  }

  /** What a PASSIVE checkpoint from another connection finds in the WAL: its frames. */
  async function walFrames(url: string): Promise<number> {
    const other = createClient({ url });
    try {
      const row = (await other.execute('PRAGMA wal_checkpoint(PASSIVE)')).rows[0];
      return Number(row?.[1]);
    } finally {
      other.close();
    }
  }

  it('never checkpoints inside a commit: with the timer off the WAL keeps every frame written', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    const database = await openDatabase(url, { checkpointIntervalMs: 0 });
    expect(database.checkpoints).toBeNull();
    await writeMegabytes(database);
    // SQLite's automatic checkpoint would have restarted the WAL after 1,000 pages.
    expect(await walFrames(url)).toBeGreaterThan(2_000);
    database.close();
  });

  it('checkpoints from its timer, on its own connection, everything no reader still needs', async () => {
    const url = databaseUrl({ path: tempDbPath() });
    const database = await openDatabase(url, { checkpointIntervalMs: 20 });
    await writeMegabytes(database);
    await waitUntil(() => {
      const last = database.checkpoints?.last();
      return (
        last !== null && last !== undefined && last.busy === 0 && last.walFrames > 0 && last.checkpointedFrames === last.walFrames
      );
    }, 'a timed checkpoint that copied the whole WAL');
    expect(await database.db.select().from(sovereignKeys)).toHaveLength(3_000);
    database.close();
  });

  it('waits for the write transaction under way, so that the WAL starts over and stays small under steady writes', async () => {
    const path = tempDbPath();
    // The timer's interval is out of the way: the test calls runOnce itself.
    const database = await openDatabase(databaseUrl({ path }), { checkpointIntervalMs: 3_600_000 });
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const open = database.write(async (tx) => {
      await tx.insert(sovereignKeys).values({ publicKey: 'open', addedAt: 1 });
      await gate;
    });
    let checkpointed = false;
    const checkpoint = database.checkpoints?.runOnce().then((result) => {
      checkpointed = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(checkpointed).toBe(false);
    release();
    await open;
    const result = await checkpoint;
    expect(result?.walFrames).toBeGreaterThan(0);
    expect(result?.checkpointedFrames).toBe(result?.walFrames);

    // About 6.5 MB written, in 200 commits, with a checkpoint after every tenth.
    for (let index = 0; index < 200; index++) {
      await database.write((tx) =>
        tx.insert(sovereignKeys).values({ publicKey: `${index}`, description: 'x'.repeat(30_000), addedAt: 1 }),
      );
      if (index % 10 === 9) await database.checkpoints?.runOnce();
    }
    expect(statSync(`${path}-wal`).size).toBeLessThan(1_000_000);
    database.close();
  });
});
