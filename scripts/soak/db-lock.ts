/**
 * A second connection to mesh's SQLite file that takes the write lock (BEGIN IMMEDIATE) for a few
 * seconds, every minute: what a backup, a migration by hand or a stray sqlite3 shell does to mesh.
 */
import { createClient } from '@libsql/client';
import { sleep } from './http.js';

export interface LockWindow {
  startMs: number;
  endMs: number;
}

/** Takes the write lock, retrying while mesh itself holds it (up to 10 s); resolves with when it held it. */
async function holdWriteLock(dbPath: string, holdMs: number, startedAt: number): Promise<LockWindow> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    const giveUpAt = performance.now() + 10_000;
    for (;;) {
      try {
        const tx = await client.transaction('write');
        const startMs = performance.now() - startedAt;
        await sleep(holdMs);
        await tx.rollback();
        return { startMs, endMs: performance.now() - startedAt };
      } catch (error) {
        if (performance.now() > giveUpAt) throw error;
        await sleep(50);
      }
    }
  } finally {
    client.close();
  }
}

/**
 * Locks the database for `holdMs` at `firstMs`, then every `everyMs`, until stopped; the stop
 * function waits for a lock in progress to be released and returns the windows held.
 */
export function lockPeriodically(
  dbPath: string,
  options: { firstMs: number; everyMs: number; holdMs: number; startedAt: number; lastStartMs: number },
): () => Promise<LockWindow[]> {
  const windows: LockWindow[] = [];
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;
  const schedule = (atMs: number) => {
    if (atMs > options.lastStartMs) return;
    timer = setTimeout(
      () => {
        current = holdWriteLock(dbPath, options.holdMs, options.startedAt).then(
          (window) => {
            windows.push(window);
          },
          (error: unknown) => {
            process.stderr.write(`soak: could not lock the database: ${(error as Error).message}\n`);
          },
        );
        schedule(atMs + options.everyMs);
      },
      Math.max(0, options.startedAt + atMs - performance.now()),
    );
  };
  schedule(options.firstMs);
  return async () => {
    clearTimeout(timer);
    await current;
    return windows;
  };
}
