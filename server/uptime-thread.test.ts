import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type MeshDatabase } from '../db/database.js';
import { nodes } from '../db/schema.js';
import type { UptimeFigures } from '../shared/responses.js';
import { figuresAt } from './registry/uptime-page.js';
import { readUptimes, UPTIME_PAGE } from './services/uptime.js';
import { HOUR_MS, MINUTE_MS } from './services/uptime-rollup.js';
import { tempDir } from './testing/harness.js';
import { uptimeByInterval } from './testing/uptime-definition.js';
import { readUptimesOnThread } from './uptime-thread.js';

const NOW = 1_796_000_000_000 + 17 * MINUTE_MS + 4_321;
const NODES = UPTIME_PAGE + 300; // a page and part of another
const HALF = 30;

let database: MeshDatabase | undefined;
let cleanup = () => {};
afterEach(() => {
  database?.close();
  database = undefined;
  cleanup();
});

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A rollup of the last eight days on a database file with the real migrations: nodes with and
 * without a first heartbeat, hours with minutes set in both halves of the 60-bit bitmap (bit 59
 * included), some hours older than the week, and mesh down in some hours.
 */
async function seedRollup(db: MeshDatabase): Promise<void> {
  const next = random(42);
  const nowHour = Math.floor(NOW / HOUR_MS);
  const rows = Array.from({ length: NODES }, (_, index) => ({
    id: `node-${String(index).padStart(5, '0')}`,
    publicKey: index.toString(16).padStart(64, '0'),
    tailscaleHostname: `node-${index}.ts.net`,
    status: 'active' as const,
    registeredAt: NOW - 9 * 24 * HOUR_MS,
    registrationSignature: '00',
    firstSeen: index % 7 === 0 ? null : NOW - Math.floor(next() * 8 * 24 * HOUR_MS),
  }));
  for (let start = 0; start < rows.length; start += 500) await db.db.insert(nodes).values(rows.slice(start, start + 500));
  const bitmap = () => {
    const full = next() < 0.3;
    const half = () => (full ? 2 ** HALF - 1 : Math.floor(next() * 2 ** HALF) & Math.floor(next() * 2 ** HALF));
    return [half(), half()] as const;
  };
  const values: string[] = [];
  const args: number[] = [];
  for (const row of rows) {
    const hours = new Set(Array.from({ length: Math.floor(next() * 12) }, () => nowHour - Math.floor(next() * 8 * 24)));
    if (next() < 0.5) hours.add(nowHour);
    for (const hour of hours) {
      const [low, high] = bitmap();
      values.push(`('${row.id}', ?, (? << ${HALF}) | ?)`);
      args.push(hour, high, low);
    }
  }
  for (let start = 0; start < values.length; start += 300) {
    await db.client.execute({
      sql: `INSERT INTO node_uptime_hours (node_id, hour, minutes) VALUES ${values.slice(start, start + 300).join(', ')}`,
      args: args.slice(start * 3, (start + 300) * 3),
    });
  }
  for (let hour = nowHour - 8 * 24; hour <= nowHour; hour++) {
    if (next() < 0.1) continue;
    const [low, high] = bitmap();
    await db.client.execute({
      sql: `INSERT INTO mesh_uptime_hours (hour, minutes) VALUES (?, (? << ${HALF}) | ?)`,
      args: [hour, high, low],
    });
  }
}

/** The figures as first defined: every minute's interval in a set, every interval of every window counted. */
async function definitionFigures(db: MeshDatabase, intervalMs: number): Promise<Map<string, UptimeFigures>> {
  const fromHour = Math.floor((NOW - 7 * 24 * HOUR_MS) / HOUR_MS);
  const intervalsOf = async (sql: string) => {
    const byKey = new Map<string, Set<number>>();
    const { rows } = await db.client.execute({ sql, args: [HALF, HALF, fromHour] });
    for (const row of rows) {
      const key = row.key as string;
      const set = byKey.get(key) ?? new Set<number>();
      byKey.set(key, set);
      for (let bit = 0; bit < 60; bit++) {
        const half = Number(bit < HALF ? row.low : row.high);
        if ((half >>> (bit % HALF)) & 1) set.add(Math.floor((Number(row.hour) * HOUR_MS + bit * MINUTE_MS) / intervalMs));
      }
    }
    return byKey;
  };
  const seen = await intervalsOf(
    `SELECT node_id AS key, hour, minutes & ((1 << ?) - 1) AS low, minutes >> ? AS high FROM node_uptime_hours WHERE hour >= ?`,
  );
  const meshUp =
    (
      await intervalsOf(
        `SELECT 'mesh' AS key, hour, minutes & ((1 << ?) - 1) AS low, minutes >> ? AS high FROM mesh_uptime_hours WHERE hour >= ?`,
      )
    ).get('mesh') ?? new Set<number>();
  const { rows } = await db.client.execute('SELECT id, first_seen FROM nodes');
  return new Map(
    rows.map((row) => {
      const firstSeen = row.first_seen === null ? null : Number(row.first_seen);
      return [row.id as string, uptimeByInterval(seen.get(row.id as string) ?? new Set(), meshUp, firstSeen, NOW, intervalMs)];
    }),
  );
}

describe('the uptime thread', () => {
  it('gives, on a database file, exactly the figures of the main thread and of the interval-by-interval definition', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const url = `file:${join(temp.dir, 'mesh.db')}`;
    database = await openDatabase(url, { checkpointIntervalMs: 0 });
    await seedRollup(database);

    for (const heartbeatIntervalMs of [120_000, 90_000]) {
      const settings = { now: NOW, heartbeatIntervalMs };
      const inThread = await readUptimes(database.db, settings);
      const onThread = new Map<string, UptimeFigures>();
      let pages = 0;
      await readUptimesOnThread(url, settings, (page) => {
        pages += 1;
        page.ids.forEach((id, index) => onThread.set(id, figuresAt(page, index)));
      });
      expect(pages).toBe(2);
      expect(onThread.size).toBe(NODES);
      expect(onThread).toEqual(inThread);
      expect(inThread).toEqual(await definitionFigures(database, heartbeatIntervalMs));
      // Not all alike: the seeded history gives the figures their whole range.
      const reputations = new Set([...inThread.values()].map((figures) => figures.reputation));
      expect(reputations.size).toBeGreaterThan(100);
      expect(reputations.has(null)).toBe(true);
    }
  });

  it('fails, rather than answering nothing, when it cannot read the database', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const url = `file:${join(temp.dir, 'missing', 'mesh.db')}`;
    await expect(readUptimesOnThread(url, { now: NOW, heartbeatIntervalMs: 120_000 }, () => {})).rejects.toThrow(/uptime thread/);
  });
});
