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
  /** Runs one PASSIVE checkpoint now, between two write transactions (also what the timer does). */
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
 *
 * `betweenWrites` runs the checkpoint while none of this process's write transactions is open: one
 * taken in the middle of a transaction cannot copy that transaction's frames, so the next write
 * finds the WAL not wholly copied and cannot start it over from the beginning; under writes that
 * never pause, checkpoints taken at such moments could let the WAL grow without end. The local
 * driver is synchronous, so the checkpoint still runs on the main thread, between writes.
 */
export function startCheckpoints(
  url: string,
  intervalMs: number,
  betweenWrites: <T>(work: () => Promise<T>) => Promise<T>,
  onError: (error: Error) => void,
): Checkpoints {
  let client: Client | null = null;
  let last: CheckpointResult | null = null;
  let running: Promise<CheckpointResult> | null = null;
  let stopped = false;

  async function checkpoint(): Promise<CheckpointResult> {
    if (stopped) return last ?? { busy: 0, walFrames: 0, checkpointedFrames: 0 };
    client ??= createClient({ url, concurrency: 1 });
    const result = await client.execute('PRAGMA wal_checkpoint(PASSIVE)');
    const row = result.rows[0];
    last = { busy: Number(row?.[0] ?? 0), walFrames: Number(row?.[1] ?? 0), checkpointedFrames: Number(row?.[2] ?? 0) };
    return last;
  }

  function runOnce(): Promise<CheckpointResult> {
    running ??= betweenWrites(checkpoint).finally(() => (running = null));
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
      stopped = true;
      clearInterval(timer);
      client?.close();
      client = null;
    },
  };
}
