import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDatabase, LOST_REVISIONS_MARGIN, restoreDatabase } from './backup.js';
import { openDatabase, type MeshDatabase } from './database.js';
import { tempDir } from '../shared/testing/temp-dir.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function addEvents(database: MeshDatabase, count: number, clock: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await database.client.execute({
      sql: `INSERT INTO events (time, type, actor, node_id, public_key, data) VALUES (?, 'node.registered', 'system', 'n', NULL, NULL)`,
      args: [i],
    });
  }
  await database.client.execute({
    sql: `INSERT INTO signer_clocks (public_key, last_timestamp) VALUES ('k', ?) ON CONFLICT (public_key) DO UPDATE SET last_timestamp = excluded.last_timestamp`,
    args: [clock],
  });
}

describe('restoreDatabase', () => {
  it('never takes revisions or replay clocks back: both continue from the database it replaces', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const live = join(dir, 'mesh.db');
    const database = await openDatabase(`file:${live}`);
    await addEvents(database, 3, 1_000);
    const backup = await backupDatabase(`file:${live}`, join(dir, 'backup.db'));
    expect(backup.revision).toBe(3);
    // After the backup, the live database goes on: revisions 4..7 and a later signature by k.
    await addEvents(database, 4, 5_000);
    database.close();

    const { restored, previous } = await restoreDatabase(join(dir, 'backup.db'), `file:${live}`, 2_000);
    expect(previous).toMatch(/mesh\.db\.before-restore-/);
    expect(restored.revision).toBe(7);
    const reopened = await openDatabase(`file:${live}`);
    try {
      const events = await reopened.client.execute('SELECT count(*) AS n FROM events');
      expect(events.rows[0]?.n).toBe(3);
      // k signed at 5000 in the replaced database: a request from before then is still a replay.
      const clock = await reopened.client.execute(`SELECT last_timestamp FROM signer_clocks WHERE public_key = 'k'`);
      expect(clock.rows[0]?.last_timestamp).toBe(5_000);
      await addEvents(reopened, 1, 6_000);
      const newest = await reopened.client.execute('SELECT max(revision) AS r FROM events');
      expect(newest.rows[0]?.r).toBe(8);
    } finally {
      reopened.close();
    }
  });

  it('raises every restored key to the restore time when the replaced database is gone', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const database = await openDatabase(`file:${join(dir, 'source.db')}`);
    await addEvents(database, 2, 1_000);
    database.close();
    await backupDatabase(`file:${join(dir, 'source.db')}`, join(dir, 'backup.db'));
    const fresh = join(dir, 'fresh.db');
    const { previous } = await restoreDatabase(join(dir, 'backup.db'), `file:${fresh}`, 9_000);
    expect(previous).toBeNull();
    const restored = await openDatabase(`file:${fresh}`);
    try {
      const row = await restored.client.execute(`SELECT last_timestamp FROM signer_clocks WHERE public_key = 'k'`);
      expect(row.rows[0]?.last_timestamp).toBe(9_000);
    } finally {
      restored.close();
    }
  });

  it('leaves a floor for every key, known or not, at signedAfter; a later restore never lowers it', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const database = await openDatabase(`file:${join(dir, 'source.db')}`);
    await addEvents(database, 1, 1_000);
    database.close();
    await backupDatabase(`file:${join(dir, 'source.db')}`, join(dir, 'backup.db'));
    const target = `file:${join(dir, 'standby.db')}`;
    const { restored } = await restoreDatabase(join(dir, 'backup.db'), target, 9_000, 39_000);
    // The replaced database is gone (a failover): revisions jump past whatever it wrote after the backup.
    expect(restored.revision).toBe(1 + LOST_REVISIONS_MARGIN);
    const floor = async () => {
      const restored = await openDatabase(target);
      try {
        const meta = await restored.client.execute(`SELECT value FROM mesh_meta WHERE key = 'signed_after'`);
        const clock = await restored.client.execute(`SELECT last_timestamp FROM signer_clocks WHERE public_key = 'k'`);
        return { floor: meta.rows[0]?.value, clock: clock.rows[0]?.last_timestamp };
      } finally {
        restored.close();
      }
    };
    expect(await floor()).toEqual({ floor: 39_000, clock: 39_000 });
    // Restored again, from the same backup, with a clock set back: the floor stays.
    await restoreDatabase(join(dir, 'backup.db'), target, 5_000, 6_000);
    expect(await floor()).toEqual({ floor: 39_000, clock: 39_000 });
  });
});
