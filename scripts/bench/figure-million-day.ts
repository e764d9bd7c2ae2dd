/**
 * A simulated day of heartbeats, for the database's growth per day and start-up after it. A sample
 * of nodes is seeded as the million is; then, on a mesh made by createMesh with its clock advanced
 * two minutes at a time for 24 hours, every node of the sample heartbeats once per interval
 * through recordHeartbeats (the statements mesh runs for a verified heartbeat batch, in the same
 * write transactions) and the sweeper runs its pass (sweepOnce: pruning by the configured
 * retention). Signatures are not verified here: verification writes nothing. The growth is
 * extrapolated linearly to the scale (the report says so).
 */
import { statSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { createClient } from '@libsql/client';
import { silentLogger } from '../../server/log.js';
import { createMesh } from '../../server/mesh.js';
import { recordHeartbeats, type HeartbeatSubmission } from '../../server/services/heartbeats.js';
import { sweepOnce } from '../../server/sweeper.js';
import { writeAndPublish } from '../../server/write.js';
import { seedMillionDb } from './million-seed.js';
import { stopChild } from './processes.js';
import { formatBytes, formatCount, formatMs } from './report.js';
import { startTimedMesh } from './servers.js';
import { inProcessConfig } from './scale.js';
import { DAY_SAMPLE, progress } from './settings.js';
import { workFile } from './workspace.js';

export const DAY_TABLES = ['heartbeats', 'node_uptime_hours', 'signer_clocks', 'events', 'nodes', 'services'] as const;

export interface DbSize {
  /** Pages in use × page size, after a full checkpoint (free pages apart). */
  usedBytes: number;
  fileBytes: number;
  rows: Record<string, number>;
  /** Bytes of pages per table of DAY_TABLES, its indexes included (SQLite's dbstat): what the growth is made of. */
  bytes?: Record<string, number>;
}

export interface DayFigures {
  sample: number;
  heartbeats: number;
  simulateMs: number;
  before: DbSize;
  after: DbSize;
  startupBeforeMs: number;
  startupAfterMs: number;
}

const INTERVAL_MS = 120_000;
const DAY_MS = 86_400_000;
const BATCH = 250;
/** The sweeper's pass every 30 simulated minutes and at the end of the day: pruning is by age, so the day ends the same. */
const SWEEP_EVERY_TICKS = 15;

export async function dbSize(dbPath: string): Promise<DbSize> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    await client.execute('PRAGMA wal_checkpoint(TRUNCATE)');
    const one = async (sql: string) => Number((await client.execute(sql)).rows[0]?.[0] ?? 0);
    const pageSize = await one('PRAGMA page_size');
    const used = (await one('PRAGMA page_count')) - (await one('PRAGMA freelist_count'));
    const rows: Record<string, number> = {};
    for (const table of DAY_TABLES) rows[table] = await one(`SELECT count(*) FROM ${table}`);
    const bytes: Record<string, number> = {};
    for (const table of DAY_TABLES)
      bytes[table] = await one(
        `SELECT coalesce(sum(d.pgsize), 0) FROM dbstat AS d JOIN sqlite_master AS m ON m.name = d.name WHERE m.tbl_name = '${table}'`,
      );
    return { usedBytes: used * pageSize, fileBytes: statSync(dbPath).size, rows, bytes };
  } finally {
    client.close();
  }
}

async function startupOn(dbPath: string): Promise<number> {
  const { server, ms } = await startTimedMesh(dbPath);
  await stopChild(server.child);
  return ms;
}

export async function simulateDay(): Promise<DayFigures> {
  const dbPath = workFile('day.db');
  const seeded = await seedMillionDb(dbPath, workFile('day.keys.json'), DAY_SAMPLE, 1);
  const before = await dbSize(dbPath);
  const startupBeforeMs = await startupOn(dbPath);

  const config = inProcessConfig(dbPath);
  let time = seeded.now;
  const mesh = await createMesh(config, { clock: { now: () => time }, logger: silentLogger });
  const started = performance.now();
  let heartbeats = 0;
  try {
    const nodes = await mesh.database.read((db) =>
      db.all<{ id: string; public_key: string; tailscale_ip: string }>(sql`SELECT id, public_key, tailscale_ip FROM nodes`),
    );
    const batches = Math.ceil(nodes.length / BATCH);
    for (let tick = 0; tick < DAY_MS / INTERVAL_MS; tick++) {
      const tickStart = seeded.now + tick * INTERVAL_MS;
      for (let batch = 0; batch < batches; batch++) {
        // The interval's heartbeats arrive spread over it, a batch at a time, as mesh's batcher commits them.
        time = tickStart + Math.floor((batch * INTERVAL_MS) / batches) + 1;
        const submissions: HeartbeatSubmission[] = nodes.slice(batch * BATCH, (batch + 1) * BATCH).map((node) => ({
          request: { nodeId: node.id, tailscaleIP: node.tailscale_ip, timestamp: time, signature: '' },
          nodeKey: node.public_key,
        }));
        const now = time;
        const outcomes = await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
          recordHeartbeats(tx, record, submissions, now),
        );
        heartbeats += outcomes.filter((outcome) => outcome.ok).length;
      }
      time = tickStart + INTERVAL_MS;
      if (tick % SWEEP_EVERY_TICKS === SWEEP_EVERY_TICKS - 1) await sweepOnce(mesh);
      if (tick % 90 === 89)
        progress(
          `day: ${(((tick + 1) * INTERVAL_MS) / 3_600_000).toFixed(0)} h simulated, ${formatCount(heartbeats)} heartbeats`,
        );
    }
  } finally {
    mesh.close();
  }
  const simulateMs = performance.now() - started;
  const after = await dbSize(dbPath);
  progress(
    `day: ${formatBytes(before.usedBytes)} → ${formatBytes(after.usedBytes)} for ${formatCount(DAY_SAMPLE)} nodes in ${formatMs(simulateMs)}`,
  );
  const startupAfterMs = await startupOn(dbPath);
  return { sample: DAY_SAMPLE, heartbeats, simulateMs, before, after, startupBeforeMs, startupAfterMs };
}
