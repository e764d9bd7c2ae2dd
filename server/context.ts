import type { PendingFullNotes } from './limits/pending-full-notes.js';
import type { RateLimitTally } from './limits/rate-limit-tally.js';
import type { MeshDatabase } from '../db/database.js';
import type { Clock } from './clock.js';
import type { MeshConfig } from './config.js';
import type { Verifier } from './crypto/verify-pool.js';
import type { EventHub } from './events/hub.js';
import type { HeartbeatBatcher } from './heartbeat-batcher.js';
import type { MeshMetrics, Transport } from './metrics/mesh-metrics.js';
import type { Registry } from './registry/registry.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { SelfPreservationGate } from './self-preservation.js';
import type { RegionConcentrationWatch } from './registry/region-concentration.js';
import type { LeaderLease } from './leader/lease.js';

/**
 * @internal (as are createContext and Context.mesh: see there)
 *
 * The inner context: everything a procedure needs and nothing from the request, so tests build it
 * directly (see createMesh) and call procedures through createCaller.
 */
export interface MeshContext {
  config: MeshConfig;
  database: MeshDatabase;
  registry: Registry;
  hub: EventHub;
  heartbeats: HeartbeatBatcher;
  /** Writes nobody known signed (registrations, heartbeats of nodes not approved), by source address. */
  unauthenticatedWrites: RateLimiter;
  /** RATE_LIMITED refusals since the last mesh.rate-limited event. */
  rateLimitTally: RateLimitTally;
  /** Whether this process lately saw mesh marked full (MESH_MAX_PENDING). */
  pendingFullNotes: PendingFullNotes;
  verifier: Verifier;
  metrics: MeshMetrics;
  clock: Clock;
  version: string;
  startedAt: number;
  /**
   * Signed requests whose timestamp is not after this are refused as replays, from any key: the
   * restore floor `mesh restore` left in the database (0: never restored).
   */
  signedAfter: number;
  /** Whether the sweeper may mark nodes offline: process-local (one sweeper per process). */
  preservation: SelfPreservationGate;
  /** Whether a mesh.concentration entry is on record, for the sweeper. */
  regionWatch: RegionConcentrationWatch;
  /** Whether this process leads the ones sharing the database, and the fence of leader-only writes. */
  leader: LeaderLease;
}

/** What the transport knows about the request, and how to end its connection. */
export interface RequestInfo {
  /** How the call came in: a metrics label. Calls made in-process (tests, tools) are `internal`. */
  transport?: Transport;
  /** The TCP peer's address and port, as the socket has them: never a forwarding header (X-Forwarded-For). */
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  /** Drops the connection: for a stream whose client stopped reading. */
  closeConnection?: ((reason: string) => void) | undefined;
  /**
   * The subscriptions this connection may still open (WebSocket: several share one connection).
   * `take` returns the release of a slot, or null when none is left.
   */
  subscriptionSlots?: { take(): (() => void) | null } | undefined;
}

/**
 * The outer context: the mesh, and what the transport knows about the request. It stays small on
 * purpose: tRPC copies the context at every middleware, on every request.
 */
export interface Context extends RequestInfo {
  /**
   * @internal Left out of the published declarations (stripInternal): AppRouter's type carries the
   * context, and through it the database's drizzle types, which a client never needs.
   */
  mesh: MeshContext;
}

/** @internal */
export function createContext(mesh: MeshContext, request: RequestInfo = {}): Context {
  return { mesh, ...request };
}
