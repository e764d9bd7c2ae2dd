import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type MeshDatabase } from '../db/database.js';
import { nodes } from '../db/schema.js';
import { UNKNOWN_UPTIME, type UptimeFigures } from '../shared/responses.js';
import { figuresAt } from './registry/uptime-page.js';
import { readUptimes, UPTIME_PAGE } from './services/uptime.js';
import { HOUR_MS, MINUTE_MS } from './services/uptime-rollup.js';
import { tempDir, testConfig, TestClock } from './testing/harness.js';
import { silentLogger } from './log.js';
import { createMesh, reloadRegistry } from './mesh.js';
import { refreshUptime } from './uptime-refresh.js';
import { uptimeByInterval } from './testing/uptime-definition.js';
import { readUptimesOnThread, type SentPage } from './uptime-thread.js';

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
      sql: `INSERT OR REPLACE INTO mesh_uptime_hours (hour, minutes) VALUES (?, (? << ${HALF}) | ?)`,
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
      await readUptimesOnThread(url, settings, [], ({ changed }) => {
        pages += 1;
        changed.ids.forEach((id, index) => onThread.set(id, figuresAt(changed, index)));
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

  it('sends apart only the nodes whose figures changed since the pages it sent before', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const url = `file:${join(temp.dir, 'mesh.db')}`;
    database = await openDatabase(url, { checkpointIntervalMs: 0 });
    await seedRollup(database);
    const settings = { now: NOW, heartbeatIntervalMs: 120_000 };
    const refresh = async (previous: SentPage[]) => {
      const sent: SentPage[] = [];
      const changed: string[] = [];
      await readUptimesOnThread(url, settings, previous, (page) => {
        sent.push(page.sent);
        changed.push(...page.changed.ids);
      });
      return { sent, changed };
    };
    const first = await refresh([]);
    expect(first.changed).toHaveLength(NODES);
    expect(first.sent.flatMap((page) => page.ids.split('\n'))).toEqual(first.changed);

    const second = await refresh(first.sent);
    expect(second.changed).toEqual([]);

    // One node heard in another minute and with another first heartbeat, one node new, one gone, and a page the
    // main thread did not keep.
    await database.client.execute({
      sql: `INSERT INTO node_uptime_hours (node_id, hour, minutes) VALUES ('node-00010', ?, 1 << 59)
            ON CONFLICT (node_id, hour) DO UPDATE SET minutes = minutes | excluded.minutes`,
      args: [Math.floor(NOW / HOUR_MS) - 1],
    });
    await database.db.insert(nodes).values({
      id: 'node-00010a',
      publicKey: 'ff'.repeat(32),
      tailscaleHostname: 'new.ts.net',
      status: 'active',
      registeredAt: NOW,
      registrationSignature: '00',
    });
    await database.client.execute({
      sql: "UPDATE nodes SET first_seen = ? WHERE id = 'node-00010'",
      args: [NOW - 3 * 24 * HOUR_MS],
    });
    await database.client.execute("DELETE FROM nodes WHERE id = 'node-00020'");
    const third = await refresh(second.sent.slice(1));
    // Nothing kept for the first page: every node of it is sent, none of the second.
    expect(third.changed).toEqual(third.sent[0]?.ids.split('\n'));
    expect(third.changed).toContain('node-00010a');
    expect(third.changed).not.toContain('node-00020');
    const fourth = await refresh([...second.sent.slice(0, 1), ...third.sent.slice(1)]);
    expect(fourth.changed).toEqual(['node-00010', 'node-00010a']);
  });

  it('lays the figures over discovery, giving a new view only to the nodes that changed, across refreshes', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const url = `file:${join(temp.dir, 'mesh.db')}`;
    const clock = new TestClock(NOW);
    const failures: Error[] = [];
    const mesh = await createMesh(testConfig({ dbUrl: url }), { clock, logger: silentLogger });
    database = mesh.database;
    await seedRollup(mesh.database);
    await reloadRegistry(mesh.database, mesh.registry);
    const refresh = () => refreshUptime(mesh, (error) => failures.push(error));
    const expected = await readUptimes(mesh.database.db, { now: NOW, heartbeatIntervalMs: mesh.config.heartbeatIntervalMs });
    const figuresOf = (id: string) => {
      const node = mesh.registry.getNode(id);
      return { uptime: node?.uptime, reputation: node?.reputation };
    };

    await refresh();
    for (const id of ['node-00001', 'node-00007', 'node-02299']) expect(figuresOf(id)).toEqual(expected.get(id));
    const views = ['node-00001', 'node-00007', 'node-02299'].map((id) => mesh.registry.getNode(id));
    const version = mesh.registry.answersVersion;

    await refresh();
    expect(['node-00001', 'node-00007', 'node-02299'].map((id) => mesh.registry.getNode(id))).toEqual(views);
    views.forEach((view, index) => expect(mesh.registry.getNode(['node-00001', 'node-00007', 'node-02299'][index]!)).toBe(view));
    expect(mesh.registry.answersVersion).toBe(version);

    await mesh.database.client.execute({ sql: "UPDATE nodes SET first_seen = ? WHERE id = 'node-00001'", args: [NOW - HOUR_MS] });
    await refresh();
    expect(mesh.registry.getNode('node-00001')?.uptime.firstSeen).toBe(NOW - HOUR_MS);
    expect(mesh.registry.getNode('node-00007')).toBe(views[1]);
    expect(mesh.registry.answersVersion).toBeGreaterThan(version);

    // Removed and back under the same id between two refreshes: its figures are laid over it again.
    const view = mesh.registry.getNode('node-00002');
    const revision = mesh.registry.revision;
    const change = { time: NOW, actor: 'system', nodeId: 'node-00002', publicKey: view?.public_key ?? null, sovereign: null };
    mesh.registry.applyEvent({ ...change, revision: revision + 1, type: 'node.removed', node: null });
    mesh.registry.applyEvent({
      ...change,
      revision: revision + 2,
      type: 'node.registered',
      node: { ...view!, uptime: UNKNOWN_UPTIME, reputation: null },
    });
    await refresh();
    expect(figuresOf('node-00002')).toEqual(expected.get('node-00002'));
    expect(failures).toEqual([]);
  });

  it('fails, rather than answering nothing, when it cannot read the database', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const url = `file:${join(temp.dir, 'missing', 'mesh.db')}`;
    await expect(readUptimesOnThread(url, { now: NOW, heartbeatIntervalMs: 120_000 }, [], () => {})).rejects.toThrow(
      /uptime thread/,
    );
  });
});
