/**
 * One health-sweeper pass at a million nodes and the longest event-loop stall while it runs,
 * beside bare SQL scans of the same rows. The pass is scale.ts's: sweepOnce on a mesh made by
 * createMesh in this process, timed in its two halves (the pass's decisions; the history pruning
 * after it), so the stall is measured in the process that runs them.
 */
import { createClient } from '@libsql/client';
import { measureSweep, inProcessConfig, type SweepFigure } from './scale.js';

export interface SweepStallFigures extends SweepFigure {
  /** Bare scans of the same rows on a connection of their own, before the pass. */
  bare: { nodesMs: number; nodes: number; heartbeatsMs: number; heartbeats: number };
}

async function bareScans(dbPath: string, silentBefore: number, pruneBefore: number): Promise<SweepStallFigures['bare']> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    const timed = async (sql: string, args: number[]) => {
      const started = performance.now();
      const result = await client.execute({ sql, args });
      return { ms: performance.now() - started, n: Number(result.rows[0]?.n ?? 0) };
    };
    // What a pass must look at: every active node's last heartbeat, and the history past retention.
    const nodes = await timed("SELECT count(*) AS n FROM nodes WHERE status = 'active' AND last_heartbeat >= ?", [silentBefore]);
    const history = await timed('SELECT count(*) AS n FROM heartbeats WHERE timestamp < ?', [pruneBefore]);
    const total = await client.execute("SELECT count(*) AS n FROM nodes WHERE status = 'active'");
    return { nodesMs: nodes.ms, nodes: Number(total.rows[0]?.n ?? 0), heartbeatsMs: history.ms, heartbeats: history.n };
  } finally {
    client.close();
  }
}

/** `now` is the time the database was seeded for; the pass is scale.ts's, after the bare scans. */
export async function measureSweepStall(dbPath: string, now: number): Promise<SweepStallFigures> {
  const config = inProcessConfig(dbPath);
  const bare = await bareScans(dbPath, now - config.offlineAfterMs, now - config.heartbeatRetentionMs);
  return { ...(await measureSweep(dbPath, now)), bare };
}
