import type { MeshContext } from './context.js';
import { databaseFile, databaseUrl } from '../db/database.js';
import { readUptimePages } from './services/uptime.js';
import { encodeUptimePage, type EncodedUptimePage } from './registry/uptime-page.js';
import { readUptimesOnThread } from './uptime-thread.js';

/**
 * How often the registry's uptime figures are recomputed from the rollup. Uptime moves by one
 * heartbeat interval at a time, so answers may show figures this much older than the rollup (plus
 * a sweeper interval, as the sweeper triggers it); recomputing on every heartbeat would cost more
 * than the heartbeats.
 */
export const UPTIME_REFRESH_MS = 60_000;

export const UPTIME_THREAD_FAILED = 'the uptime thread failed; this refresh computed the figures on the main thread';

type RefreshContext = Pick<MeshContext, 'database' | 'registry' | 'clock' | 'config'>;

/**
 * Recomputes every node's uptime and reputation from the rollup and lays them over discovery, a
 * page at a time: only the nodes whose figures changed get a new view, and answers are dropped
 * once, at the end, if any did. On a database file the rollup is read and counted on a thread of
 * its own (uptime-thread.ts), so this thread only takes the pages; if that thread fails, the
 * figures are computed here instead (`onThreadFailure` is told why). Memory and server databases
 * are read on this thread.
 */
export async function refreshUptime(mesh: RefreshContext, onThreadFailure?: (error: Error) => void): Promise<void> {
  const settings = { now: mesh.clock.now(), heartbeatIntervalMs: mesh.config.heartbeatIntervalMs };
  let changed = 0;
  const apply = (page: EncodedUptimePage) => {
    changed += mesh.registry.applyUptimes(page);
  };
  const inThisThread = () =>
    mesh.database.read((db) => readUptimePages(db, settings, (page) => apply(encodeUptimePage(page.ids, page.figures))));
  const url = databaseUrl({ url: mesh.config.dbUrl, path: mesh.config.dbPath });
  if (databaseFile(url) === null) await inThisThread();
  else {
    try {
      await readUptimesOnThread(url, settings, apply);
    } catch (error) {
      onThreadFailure?.(error as Error);
      await inThisThread();
    }
  }
  if (changed > 0) mesh.registry.invalidateAnswers();
}
