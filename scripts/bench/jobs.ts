/**
 * What the orchestrator (run.ts) asks of the load generator (load.ts), and what it answers. They
 * talk over the IPC channel of a forked process: one job in, phase notices and one result out.
 */

/** Every load is bounded twice: it stops after its duration or after maxRequests, whichever comes first. */
export interface LoadBounds {
  connections: number;
  /** Load sent before the clock starts, to warm up both sides; not recorded. */
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
}

/** The same request again and again (discovery, the bare POST server). */
export interface FixedHttpJob extends LoadBounds {
  kind: 'http';
  label: string;
  origin: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Only answers with this status count; anything else is an error. */
  expectStatus: number;
}

/** Freshly signed heartbeats for the keys in keysFile, pre-signed before the clock starts. */
export interface HeartbeatJob extends LoadBounds {
  kind: 'heartbeat-rest' | 'heartbeat-trpc';
  label: string;
  origin: string;
  keysFile: string;
  network: string;
  /** Every timestamp signed is above this one (the previous run's last), so none is a replay. */
  minTimestamp: number;
}

/** State changes (sovereign approvals) timed until they arrive at SSE subscribers of GET /events. */
export interface EventsJob {
  kind: 'events';
  label: string;
  origin: string;
  keysFile: string;
  network: string;
  minTimestamp: number;
  subscribers: number;
  changes: number;
  /** Index of the first pending node of keysFile to approve. */
  firstPending: number;
  /** How long one change may take to reach every subscriber before it counts as lost. */
  changeTimeoutMs: number;
}

/** etcd's lease keepalives (the comparison at today's scale): `leases` leases granted first, then keepaliveOnce round-robin. */
export interface EtcdKeepaliveJob extends LoadBounds {
  kind: 'etcd-keepalive';
  label: string;
  /** etcd's client URL, http://127.0.0.1:<port>. */
  origin: string;
  leases: number;
}

export type Job = FixedHttpJob | HeartbeatJob | EventsJob | EtcdKeepaliveJob;

export interface Latency {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  label: string;
  /** Requests sent while the clock ran. */
  sent: number;
  /** Answers with the expected status while the clock ran. */
  ok: number;
  /** Answers by status code (the expected one included), while the clock ran. */
  statuses: Record<string, number>;
  /** Requests that got no answer (connection errors, timeouts), by error code. */
  failures: Record<string, number>;
  /** Answers with the expected status over the whole job, warm-up included (to check what was persisted). */
  okTotal: number;
  elapsedMs: number;
  /** ok per second of measured time. */
  rate: number;
  /** Latency of the ok answers, in milliseconds. */
  latency: Latency;
  /** Body bytes received per ok answer (the last one seen). */
  bodyBytes: number;
  /** CPU time of the load generator over the measured time, as a fraction of one core. */
  loaderCpu: number;
  /** True when the load stopped because it ran out of requests (maxRequests, or pre-signed heartbeats). */
  exhausted: boolean;
  /** The last timestamp signed, for the next job's minTimestamp. */
  lastTimestamp?: number;
  /** A sample of the error answers, to say what went wrong. */
  errorSample?: string;
  /** The slowest answers (any status): when they were sent (ms after the clock started; negative in warm-up) and how long they took. */
  slowest: { sentAtMs: number; ms: number; status: number }[];
  /** Counted answers per 500 ms of measured time: a stall shows as a dip. */
  timeline: number[];
}

export interface EventsResult {
  label: string;
  subscribers: number;
  changes: number;
  /** Delay from sending the change to its arrival, per subscriber and change, in ms. */
  latency: Latency;
  /** (change, subscriber) pairs that never arrived within changeTimeoutMs. */
  lost: number;
  /** Status codes of the approvals. */
  statuses: Record<string, number>;
  lastTimestamp: number;
}

export type LoaderMessage =
  | { type: 'measuring' }
  | { type: 'measured' }
  | { type: 'result'; result: LoadResult | EventsResult }
  | { type: 'error'; message: string };

/** One node the load generator can sign for, as the orchestrator seeded it. */
export interface NodeKey {
  nodeId: string;
  /** Ed25519 seed (RFC 8032 secret key), hex. */
  seed: string;
  publicKey: string;
  ip: string;
}

export interface KeysFile {
  network: string;
  sovereign: { seed: string; publicKey: string };
  /** Active nodes: the ones that heartbeat. */
  active: NodeKey[];
  /** Pending nodes: the ones the events figure approves. */
  pending: NodeKey[];
}
