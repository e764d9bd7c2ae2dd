import { databaseFile, databaseUrl, openDatabase, type MeshDatabase } from '../db/database.js';
import { ConfigError, type MeshConfig } from './config.js';
import { systemClock, type Clock } from './clock.js';
import type { MeshContext } from './context.js';
import { InlineVerifier, VerifierPool } from './crypto/verify-pool.js';
import { EventHub } from './events/hub.js';
import { WriteRecord } from './events/write-record.js';
import { HeartbeatBatcher } from './heartbeat-batcher.js';
import { currentRevision } from './events/log.js';
import type { Logger } from './log.js';
import { logStateChanges } from './logging/state-changes.js';
import { MeshMetrics } from './metrics/mesh-metrics.js';
import { registerStateMetrics } from './metrics/state-metrics.js';
import { readAllNodeViews } from './services/node-views.js';
import { Registry } from './registry/registry.js';
import { RegionConcentrationWatch } from './registry/region-concentration.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { RateLimitTally } from './limits/rate-limit-tally.js';
import { PendingFullNotes } from './limits/pending-full-notes.js';
import { SelfPreservationGate } from './self-preservation.js';
import { bootstrapSovereign, countSovereigns, readAllSovereignViews } from './services/sovereigns.js';
import { recordMeshUp } from './services/uptime-rollup.js';
import { readSignedAfter } from './services/restore-floor.js';
import { refreshUptime, UPTIME_THREAD_FAILED } from './uptime-refresh.js';
import { packageVersion } from '../shared/version.js';
import { LeaderLease } from './leader/lease.js';

const version = packageVersion();

export interface Mesh extends MeshContext {
  close(): void;
}

export interface MeshOptions {
  clock?: Clock;
  logger: Logger;
}

/**
 * Loads the discovery snapshot from the database, replacing whatever it held: nodes, keys and the
 * revision they are at, read in one transaction so they agree with each other. (drizzle opens
 * libSQL transactions for writing: another process's writes wait for this one read, once, at
 * start-up.)
 */
export async function reloadRegistry(database: MeshDatabase, registry: Registry): Promise<void> {
  const { nodes, sovereigns, revision } = await database.exclusive((db) =>
    db.transaction(async (tx) => ({
      nodes: await readAllNodeViews(tx),
      sovereigns: await readAllSovereignViews(tx),
      revision: await currentRevision(tx),
    })),
  );
  registry.replaceAll(nodes, sovereigns, revision);
}

/**
 * Refuses to start with fewer sovereign keys than MESH_QUORUM: no decision could ever take effect,
 * not even the addition of the keys that are missing, so every signature would wait and expire
 * unnoticed. Keys come from MESH_SOVEREIGN_KEYS (or the host's bootstrap), or the quorum is lowered.
 */
async function requireReachableQuorum(database: MeshDatabase, quorum: number): Promise<void> {
  if (quorum <= 1) return;
  const sovereigns = await database.read((db) => countSovereigns(db));
  if (sovereigns >= quorum) return;
  throw new ConfigError(
    `invalid configuration: MESH_QUORUM=${quorum} needs at least ${quorum} sovereign keys, but the database has ${sovereigns}: no decision could ever take effect. List the keys in MESH_SOVEREIGN_KEYS, or lower MESH_QUORUM`,
  );
}

/**
 * Opens the database (applying migrations), adds the MESH_SOVEREIGN_KEYS that are missing, and
 * loads the discovery snapshot: everything a mesh needs before it answers its first request.
 */
export async function createMesh(config: MeshConfig, options: MeshOptions): Promise<Mesh> {
  const clock = options.clock ?? systemClock;
  const url = databaseUrl({ url: config.dbUrl, path: config.dbPath });
  const database = await openDatabase(url, {
    busyTimeoutMs: config.dbBusyTimeoutMs,
    checkpointIntervalMs: config.dbCheckpointIntervalMs,
    onCheckpointError: (error) => options.logger.warn(`WAL checkpoint failed (the next one tries again): ${error.message}`),
  });
  try {
    const startedAt = clock.now();
    for (const publicKey of config.sovereignKeys) {
      const added = await database.write((tx) =>
        bootstrapSovereign(tx, new WriteRecord(), publicKey, 'from MESH_SOVEREIGN_KEYS', startedAt),
      );
      if (added) options.logger.info(`sovereign key ${publicKey} added from MESH_SOVEREIGN_KEYS`);
    }
    await requireReachableQuorum(database, config.quorum);
    // Mesh's own running minutes are the denominator of every node's uptime: this one counts too.
    await database.write((tx) => recordMeshUp(tx, startedAt));
    const leader = new LeaderLease(database, { leaseMs: config.leaderLeaseMs, clock });
    const registry = new Registry(() => clock.now());
    await reloadRegistry(database, registry);
    const signedAfter = await database.read(readSignedAfter);
    if (signedAfter > 0) {
      options.logger.info(
        `this database was restored: signed requests with a timestamp up to ${new Date(signedAfter).toISOString()} are refused as replays`,
      );
    }
    await refreshUptime({ database, registry, clock, config }, (error) => options.logger.error(UPTIME_THREAD_FAILED, error));
    const metrics = new MeshMetrics({ processMetrics: config.metrics });
    const hub = new EventHub(database, registry, (events) => {
      metrics.eventsCommitted(events);
      logStateChanges(options.logger, events);
    });
    const verifier =
      config.verifyThreads > 0
        ? new VerifierPool(config.verifyThreads, options.logger, undefined, metrics)
        : new InlineVerifier(metrics);
    const heartbeats = new HeartbeatBatcher(database, hub, clock, metrics);
    const preservation = new SelfPreservationGate(
      {
        ratio: config.selfPreservationRatio,
        maxMs: config.selfPreservationMaxMs,
        offlineRate: config.offlineRate,
        offlineAfterMs: config.offlineAfterMs,
      },
      startedAt,
    );
    // The topology shows the state: answers kept by the registry's version must not outlive it.
    preservation.onChange(() => registry.invalidateAnswers());
    registerStateMetrics(metrics, {
      registry,
      hub,
      database,
      verifier,
      preservation,
      leader,
      databaseFile: databaseFile(url),
      version,
      network: config.network,
    });
    // Taken at once when free: a lone process leads from its first sweep, without waiting a lease
    // out. Taken last, as nothing renews it until the server starts: the start-up's reads (the
    // registry, the uptime figures on their thread) could otherwise outlast a short lease, and
    // another process take over before this one's first sweep.
    await leader.tryAcquire();
    return {
      config,
      database,
      registry,
      hub,
      heartbeats,
      unauthenticatedWrites: new RateLimiter(config.rateLimitPerMinute, config.rateLimitBurst, () => clock.now()),
      rateLimitTally: new RateLimitTally(startedAt),
      pendingFullNotes: new PendingFullNotes(),
      verifier,
      metrics,
      clock,
      version,
      startedAt,
      signedAfter,
      preservation,
      regionWatch: new RegionConcentrationWatch(),
      leader,
      close: () => {
        void verifier.close();
        database.close();
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
