import { createClient, type Client } from '@libsql/client';

/** How often mesh checkpoints its WAL by default: MESH_DB_CHECKPOINT_INTERVAL_MS. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1_000;

/** What one checkpoint did, as SQLite reports it (PRAGMA wal_checkpoint). */
export interface CheckpointResult {
  /** 1 when another connection held a lock the checkpoint needed (it then did what it could). */
  busy: number;
  /** Frames in the WAL. */
  walFrames: number;
  /** Frames of it now copied into the database file. */
  checkpointedFrames: number;
}

export interface Checkpoints {
  /** Runs one PASSIVE checkpoint now, on the checkpoints' connection (also what the timer does). */
  runOnce(): Promise<CheckpointResult>;
  /** The latest checkpoint's outcome, or null before the first. */
  last(): CheckpointResult | null;
  stop(): void;
}

/**
 * Checkpoints the WAL from a timer, on a connection of their own. SQLite's automatic checkpoint
 * runs inside the COMMIT that crosses its threshold, so one write in a thousand paid for copying
 * the WAL back into the database while every write queued behind it waited; mesh turns it off
 * (wal_autocheckpoint = 0 on its connections) and checkpoints here instead. PASSIVE never waits for
 * a lock and never blocks a reader or a writer: it copies what no reader still needs, and a
 * replicator that holds a read transaction (Litestream) keeps the frames it has not copied yet.
 * The local driver is synchronous, so the checkpoint still runs on the main thread, between
 * requests rather than inside a write's commit.
 */
export function startCheckpoints(url: string, intervalMs: number, onError: (error: Error) => void): Checkpoints {
  let client: Client | null = null;
  let last: CheckpointResult | null = null;
  let running: Promise<CheckpointResult> | null = null;

  async function checkpoint(): Promise<CheckpointResult> {
    client ??= createClient({ url, concurrency: 1 });
    const result = await client.execute('PRAGMA wal_checkpoint(PASSIVE)');
    const row = result.rows[0];
    last = { busy: Number(row?.[0] ?? 0), walFrames: Number(row?.[1] ?? 0), checkpointedFrames: Number(row?.[2] ?? 0) };
    return last;
  }

  function runOnce(): Promise<CheckpointResult> {
    running ??= checkpoint().finally(() => (running = null));
    return running;
  }

  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => onError(error as Error));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    last: () => last,
    stop: () => {
      clearInterval(timer);
      client?.close();
      client = null;
    },
  };
}
