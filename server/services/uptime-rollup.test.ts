import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type InStatement } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type MeshDatabase } from '../../db/database.js';
import * as schema from '../../db/schema.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { readUptimes } from './uptime.js';
import { HOUR_MS, pruneMeshUptimeHours, pruneNodeUptimeHours } from './uptime-rollup.js';

const MIGRATIONS = fileURLToPath(new URL('../../db/migrations', import.meta.url));
/** The first migration of the rollup stored once per row: the database before it is the previous layout. */
const FIRST_COMPACT_MIGRATION = '0011_uptime_rollup_no_hour_index';

const cleanups: Array<() => void> = [];
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A copy of the migrations folder whose journal stops before the compact rollup. */
function migrationsBeforeCompactRollup(dir: string): string {
  const folder = join(dir, 'migrations');
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const cut = journal.entries.findIndex((entry) => entry.tag === FIRST_COMPACT_MIGRATION);
  expect(cut).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

const NOW = Date.UTC(2026, 11, 3, 12, 30);
const NOW_HOUR = Math.floor(NOW / HOUR_MS);

/** Nodes and a week and more of rollup rows, bitmaps past 2^53 included, written in SQL (exact integers). */
async function seedRollup(client: Client): Promise<void> {
  const statements: InStatement[] = [];
  for (const [id, firstSeen] of [
    ['v-a', NOW - 9 * 24 * HOUR_MS],
    ['v-b', NOW - 30 * HOUR_MS],
    ['v-c', null],
  ] as const) {
    statements.push({
      sql: `INSERT INTO nodes (id, public_key, tailscale_hostname, status, registered_at, registration_signature, first_seen)
            VALUES (?, ?, ?, 'active', ?, '00', ?)`,
      args: [id, id.padStart(64, '0'), `${id}.ts.net`, NOW - 10 * 24 * HOUR_MS, firstSeen],
    });
  }
  for (let hour = NOW_HOUR - 200; hour <= NOW_HOUR; hour++) {
    // Mesh ran every minute but the first ten of each sixth hour.
    statements.push({
      sql: `INSERT INTO mesh_uptime_hours (hour, minutes) VALUES (?, CASE WHEN ? % 6 = 0 THEN (1 << 60) - (1 << 10) ELSE (1 << 60) - 1 END)`,
      args: [hour, hour],
    });
    // v-a: every other minute, the high ones included, but for a gap every fifth hour.
    statements.push({
      sql: `INSERT INTO node_uptime_hours (node_id, hour, minutes) VALUES ('v-a', ?, CASE WHEN ? % 5 = 0 THEN 0x0555555555 ELSE 0x0555555555555555 END)`,
      args: [hour, hour],
    });
    if (hour > NOW_HOUR - 30)
      statements.push({
        sql: `INSERT INTO node_uptime_hours (node_id, hour, minutes) VALUES ('v-b', ?, (1 << 59) | (1 << 31) | ?)`,
        args: [hour, hour % 1024],
      });
  }
  await client.batch(statements, 'write');
}

const rollupRows = async (client: Client) =>
  (await client.execute('SELECT node_id, hour, CAST(minutes AS TEXT) AS minutes FROM node_uptime_hours ORDER BY node_id, hour'))
    .rows;

describe('migrating the uptime rollup to a row stored once', () => {
  it('keeps every row, and every figure computed from them', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const url = `file:${join(dir, 'mesh.db')}`;

    const previous = createClient({ url });
    opened.push(previous);
    await previous.execute('PRAGMA foreign_keys = ON');
    await migrate(drizzle(previous, { schema }), { migrationsFolder: migrationsBeforeCompactRollup(dir) });
    await seedRollup(previous);
    // A row whose node is gone, as foreign keys turned off once would leave: the migration must not fail on it.
    await previous.execute('PRAGMA foreign_keys = OFF');
    await previous.execute(`INSERT INTO node_uptime_hours (node_id, hour, minutes) VALUES ('v-gone', ${NOW_HOUR}, 1)`);
    await previous.execute('PRAGMA foreign_keys = ON');
    const settings = { now: NOW, heartbeatIntervalMs: 120_000 };
    const figuresBefore = await readUptimes(drizzle(previous, { schema }), settings);
    const rowsBefore = (await rollupRows(previous)).filter((row) => row.node_id !== 'v-gone');
    expect(rowsBefore).toHaveLength(201 + 30);
    previous.close();

    const migrated: MeshDatabase = await openDatabase(url);
    opened.push(migrated);
    const definitions = await migrated.client.execute(
      `SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'node_uptime_hours' ORDER BY name`,
    );
    expect(definitions.rows.map((row) => [row.type, row.name])).toEqual([['table', 'node_uptime_hours']]);
    expect(definitions.rows[0]?.sql).toMatch(/WITHOUT ROWID$/);
    expect(await rollupRows(migrated.client)).toEqual(rowsBefore);

    const figuresAfter = await readUptimes(migrated.db, settings);
    expect(figuresAfter).toEqual(figuresBefore);
    // Figures that can tell a lost or altered row: neither node is perfect, and v-c was never seen.
    expect(figuresAfter.get('v-a')?.uptime.week).toBeGreaterThan(0.4);
    expect(figuresAfter.get('v-a')?.uptime.week).toBeLessThan(1);
    expect(figuresAfter.get('v-b')?.uptime.day).toBeGreaterThan(0);
    expect(figuresAfter.get('v-c')?.uptime.week).toBeNull();

    // Still the foreign key it had: a node's hours go with it.
    await migrated.client.execute(`DELETE FROM nodes WHERE id = 'v-b'`);
    expect((await rollupRows(migrated.client)).filter((row) => row.node_id === 'v-b')).toEqual([]);
  });
});

describe('pruning the uptime rollup', () => {
  const hoursOf = async (database: MeshDatabase) =>
    (await database.client.execute('SELECT node_id, hour FROM node_uptime_hours ORDER BY node_id, hour')).rows.map(
      (row) => `${row.node_id as string}@${Number(row.hour) - NOW_HOUR}`,
    );

  it("deletes nodes' hours once one of mesh's hours has left the retention, and only then", async () => {
    const database = await openDatabase(':memory:');
    opened.push(database);
    const client = database.client;
    for (const id of ['v-a', 'v-b']) {
      await client.execute({
        sql: `INSERT INTO nodes (id, public_key, tailscale_hostname, status, registered_at, registration_signature)
              VALUES (?, ?, ?, 'active', 0, '00')`,
        args: [id, id.padStart(64, '0'), `${id}.ts.net`],
      });
    }
    for (const hour of [10, 11, 12])
      await client.execute(`INSERT INTO mesh_uptime_hours (hour, minutes) VALUES (${NOW_HOUR + hour}, 1)`);
    // Hour 9: v-a was recorded in an hour with no pass of mesh's (up for less than one).
    for (const [id, hour] of [
      ['v-a', 9],
      ['v-a', 10],
      ['v-a', 11],
      ['v-a', 12],
      ['v-b', 10],
      ['v-b', 12],
    ] as const)
      await client.execute(`INSERT INTO node_uptime_hours (node_id, hour, minutes) VALUES ('${id}', ${NOW_HOUR + hour}, 1)`);
    // As the sweeper does: mesh's hours in its pass, then nodes' a batch at a time (here one node each).
    const prune = async (hour: number) => {
      const due = await database.write((tx) => pruneMeshUptimeHours(tx, (NOW_HOUR + hour) * HOUR_MS));
      if (due === null) return 0;
      let deleted = 0;
      let after: string | null = null;
      do {
        const from: string | null = after;
        const step: { deleted: number; last: string | null } = await database.write((tx) =>
          pruneNodeUptimeHours(tx, due, from, 1),
        );
        deleted += step.deleted;
        after = step.last;
      } while (after !== null);
      return deleted;
    };

    // No mesh hour before hour 10: nothing is due, and no node's hours are searched.
    expect(await prune(10)).toBe(0);
    expect(await hoursOf(database)).toEqual(['v-a@9', 'v-a@10', 'v-a@11', 'v-a@12', 'v-b@10', 'v-b@12']);

    // Mesh's hour 10 leaves: every node's hours before 11 go, hour 9 included.
    expect(await prune(11)).toBe(3);
    expect(await hoursOf(database)).toEqual(['v-a@11', 'v-a@12', 'v-b@12']);
    const meshHours = await client.execute('SELECT hour FROM mesh_uptime_hours ORDER BY hour');
    expect(meshHours.rows.map((row) => Number(row.hour) - NOW_HOUR)).toEqual([11, 12]);

    expect(await prune(11)).toBe(0);
    expect(await prune(12)).toBe(1);
    expect(await hoursOf(database)).toEqual(['v-a@12', 'v-b@12']);
  });
});
