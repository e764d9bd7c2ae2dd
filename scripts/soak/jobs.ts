/**
 * What the soak's orchestrator (run.ts) asks of its two traffic processes (traffic.ts), and what
 * they answer, over the IPC channel of a forked process: one job in, one result out.
 */

/** Answers by status code ("200", "429", ...), and requests that got none, by error code. */
export interface StatusCounts {
  statuses: Record<string, number>;
  failures: Record<string, number>;
}

/** The validators, the sovereign and the watchers: every request from 127.0.0.1. */
export interface LegitJob {
  kind: 'legit';
  origin: string;
  localAddress: string;
  network: string;
  keysFile: string;
  durationMs: number;
  /** Where to write the acknowledged heartbeats, one `nodeId<TAB>receivedAt` a line. */
  ackedFile: string;
  heartbeatIntervalMs: number;
  registrationsPerSecond: number;
  sseWatchers: number;
  wsWatchers: number;
  /** Of each kind of watcher, this share never reads its stream. */
  stalledShare: number;
}

/** The abusive clients: every request from another loopback address, so per-address limits can tell them apart. */
export interface AbuseJob {
  kind: 'abuse';
  origin: string;
  localAddress: string;
  network: string;
  durationMs: number;
  wsSubscriptions: number;
  batchSize: number;
  /** The flooding registrar stops after this many attempts, whatever the time left. */
  maxFloodRegistrations: number;
}

export type TrafficJob = LegitJob | AbuseJob;

/** How the watchers of one kind fared: still open at the end, or cut by mesh before it. */
export interface WatcherCounts {
  opened: number;
  /** Refused at connection time (a status other than 200, a failed upgrade, a connection error). */
  refused: Record<string, number>;
  cut: number;
  open: number;
  /** Event messages received by the ones that read. */
  messages: number;
}

export interface LegitResult {
  kind: 'legit';
  heartbeats: StatusCounts & {
    sent: number;
    acked: number;
    /** Due but not sent because too many were already in flight (mesh too slow to answer). */
    skipped: number;
    latencyMs: { p50: number; p99: number; max: number };
  };
  registrations: StatusCounts;
  approvals: StatusCounts;
  watchers: Record<string, WatcherCounts>;
}

export interface AbuseResult {
  kind: 'abuse';
  /** The WebSocket that subscribes again and again and never reads. */
  wsSubscriber: {
    opened: boolean;
    sent: number;
    /** What came once it read at the end: subscriptions started, subscriptions refused, the close code. */
    started: number;
    errors: Record<string, number>;
    closed: string | null;
  };
  batches: StatusCounts & { bytes: number };
  flood: StatusCounts;
}

export type TrafficResult = LegitResult | AbuseResult;

/** `ready`: the legitimate process has its watchers connected and starts sending (the abuse starts then). */
export type TrafficMessage = { type: 'ready' } | { type: 'result'; result: TrafficResult } | { type: 'error'; message: string };
