import type { MeshContext } from './context.js';
import { databaseFile, databaseUrl } from '../db/database.js';
import { readUptimePages } from './services/uptime.js';
import { encodeUptimePage, type EncodedUptimePage } from './registry/uptime-page.js';
import type { Registry } from './registry/registry.js';
import { readUptimesOnThread, type SentPage } from './uptime-thread.js';

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
 * A registry's (one per mesh) refresh state. `sent`: what the uptime thread sent in the last
 * refresh, while every node of it had its figures applied; the next refresh hands the thread only
 * what changed since. `started` and `running`: the sweeper runs one refresh at a time, but two that
 * overlap may apply their pages interleaved: then neither's pages say what the registry holds, and
 * neither keeps them.
 */
interface RefreshState {
  sent: { pages: SentPage[]; drops: number } | null;
  started: number;
  running: number;
}

const states = new WeakMap<Registry, RefreshState>();

/**
 * Recomputes every node's uptime and reputation from the rollup and lays them over discovery, a
 * page at a time: only the nodes whose figures changed get a new view, and answers are dropped
 * once, at the end, if any did. On a database file the rollup is read and counted on a thread of
 * its own (uptime-thread.ts), which also compares the figures with those it sent the last time, so
 * this thread handles only the nodes whose figures changed; if that thread fails, the figures are
 * computed here instead (`onThreadFailure` is told why). Memory and server databases are read on
 * this thread.
 */
export async function refreshUptime(mesh: RefreshContext, onThreadFailure?: (error: Error) => void): Promise<void> {
  const { registry } = mesh;
  const settings = { now: mesh.clock.now(), heartbeatIntervalMs: mesh.config.heartbeatIntervalMs };
  let changed = 0;
  const apply = (page: EncodedUptimePage) => {
    const applied = registry.applyUptimes(page);
    changed += applied.changed;
    return applied.unknown === 0;
  };
  const inThisThread = () =>
    mesh.database.read((db) => readUptimePages(db, settings, (page) => void apply(encodeUptimePage(page.ids, page.figures))));
  const url = databaseUrl({ url: mesh.config.dbUrl, path: mesh.config.dbPath });
  if (databaseFile(url) === null) await inThisThread();
  else {
    const state = states.get(registry) ?? { sent: null, started: 0, running: 0 };
    states.set(registry, state);
    const before = state.sent;
    state.sent = null;
    const drops = registry.uptimeDrops;
    const alone = state.running === 0;
    const started = ++state.started;
    state.running += 1;
    const pages: SentPage[] = [];
    try {
      await readUptimesOnThread(url, settings, before?.drops === drops ? before.pages : [], (page) => {
        // A page with a node discovery did not know yet is not kept: the next refresh sends its nodes again.
        if (apply(page.changed)) pages.push(page.sent);
      });
      if (alone && state.started === started) state.sent = { pages, drops };
    } catch (error) {
      onThreadFailure?.(error as Error);
      await inThisThread();
    } finally {
      state.running -= 1;
    }
  }
  if (changed > 0) registry.invalidateAnswers();
}
