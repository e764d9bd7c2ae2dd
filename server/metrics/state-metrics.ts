import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { count } from 'drizzle-orm';
import { Counter, Gauge } from 'prom-client';
import type { MeshDatabase } from '../../db/database.js';
import { events } from '../../db/schema.js';
import type { NodeStatus } from '../../shared/fields.js';
import type { LeaderStatus, RegionConcentration } from '../../shared/responses.js';
import type { Verifier } from '../crypto/verify-pool.js';
import type { MeshMetrics, Transport } from './mesh-metrics.js';

export interface StateSources {
  registry: {
    statusCounts(): Record<NodeStatus, number>;
    regionConcentration(): RegionConcentration;
    readonly sovereignCount: number;
    readonly revision: number;
  };
  hub: { watcherCounts(): ReadonlyMap<Transport, number> };
  database: MeshDatabase;
  verifier: Verifier;
  preservation: { readonly active: boolean };
  leader: { status(): LeaderStatus; readonly fencedWrites: number };
  /** The SQLite file, when the database is one. */
  databaseFile: string | null;
  version: string;
  network: string;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The file system holding the database, in bytes: what a disk-full alert needs. */
async function diskSpace(file: string): Promise<{ available: number; size: number } | null> {
  try {
    const fs = await statfs(dirname(file));
    return { available: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize };
  } catch {
    return null;
  }
}

/**
 * Gauges of mesh's state, each computed when Prometheus scrapes: none of them costs anything on a
 * request path.
 */
export function registerStateMetrics(metrics: MeshMetrics, sources: StateSources): void {
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, collect: (this: Gauge) => void | Promise<void>, labelNames: string[] = []) =>
    new Gauge({ name: `mesh_${name}`, help, labelNames, registers, collect });

  gauge(
    'info',
    'Always 1: the version and network of this mesh',
    function () {
      this.labels(sources.version, sources.network).set(1);
    },
    ['version', 'network'],
  );
  gauge(
    'nodes',
    'Registered nodes, by status',
    function () {
      for (const [status, n] of Object.entries(sources.registry.statusCounts())) this.labels(status).set(n);
    },
    ['status'],
  );
  gauge('self_preservation', '1 while the sweeper marks nobody offline because too many nodes went silent at once', function () {
    this.set(sources.preservation.active ? 1 : 0);
  });
  // One unlabelled share rather than a gauge per region: regions are the registrants' words.
  gauge('region_largest_share', 'Share (0-1) of the active nodes held by the region holding the most of them', function () {
    this.set(sources.registry.regionConcentration().share);
  });
  gauge(
    'region_concentrated',
    '1 while one region holds more than a third of the active nodes (from 4 active nodes on): losing it would halt a BFT network',
    function () {
      this.set(sources.registry.regionConcentration().concentrated ? 1 : 0);
    },
  );
  gauge('sovereign_keys', 'Sovereign keys', function () {
    this.set(sources.registry.sovereignCount);
  });
  gauge('event_log_revision', 'Revision of the newest event this process has applied', function () {
    this.set(sources.registry.revision);
  });
  gauge('event_log_events', 'Events kept in the events log (older ones are pruned)', async function () {
    const [row] = await sources.database.read((db) => db.select({ n: count() }).from(events));
    this.set(row?.n ?? 0);
  });
  gauge(
    'watchers',
    'Connected event watchers, by transport',
    function () {
      this.reset();
      for (const [transport, n] of sources.hub.watcherCounts()) this.labels(transport).set(n);
    },
    ['transport'],
  );
  gauge('verify_queue_depth', 'Signatures queued for or being verified on the verification threads', function () {
    this.set(sources.verifier.status().queued);
  });
  gauge('verify_threads_up', 'Signature verification threads running', function () {
    this.set(sources.verifier.status().threadsUp);
  });
  gauge('database_file_bytes', 'Size of the SQLite database file', async function () {
    this.set(sources.databaseFile === null ? 0 : await fileSize(sources.databaseFile));
  });
  gauge('database_disk_available_bytes', 'Space left to unprivileged writers on the database file system', async function () {
    const space = sources.databaseFile === null ? null : await diskSpace(sources.databaseFile);
    if (space) this.set(space.available);
  });
  gauge('database_disk_size_bytes', 'Size of the database file system', async function () {
    const space = sources.databaseFile === null ? null : await diskSpace(sources.databaseFile);
    if (space) this.set(space.size);
  });
  gauge(
    'leader',
    '1 while this process holds the leader lease (runs the sweeper and service probes), 0 while it follows',
    function () {
      this.set(sources.leader.status().role === 'leader' ? 1 : 0);
    },
  );
  gauge(
    'leader_epoch',
    'Epoch of the leader lease as this process last read it: grows by one at every change of leader',
    function () {
      this.set(sources.leader.status().epoch);
    },
  );
  gauge(
    'leader_info',
    'Always 1: this process id and the leader id it last read (empty while nobody leads)',
    function () {
      const status = sources.leader.status();
      this.reset();
      this.labels(status.processId, status.leaderId ?? '').set(1);
    },
    ['process_id', 'leader_id'],
  );
  new Counter({
    name: 'mesh_leader_fenced_writes_total',
    help: 'Leader-only writes refused because this process no longer held the lease at its epoch (a former leader that was paused)',
    registers,
    collect() {
      this.reset();
      this.inc(sources.leader.fencedWrites);
    },
  });
  gauge('database_wal_bytes', 'Size of the SQLite write-ahead log', async function () {
    this.set(sources.databaseFile === null ? 0 : await fileSize(`${sources.databaseFile}-wal`));
  });
}
