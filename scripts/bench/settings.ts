/** What one `npm run bench` measures and how long: the command-line flags, the load sizes, the targets. */
const args = new Set(process.argv.slice(2));
export const QUICK = args.has('--quick');
export const PROFILE = args.has('--profile');
export const WRITE = !QUICK && !PROFILE && !args.has('--no-write');
/** `--scale N`: the scale run (N nodes, a million in the issue) instead of the usual one; null without it. */
export const SCALE = scaleOf(process.argv.slice(2));

export function scaleOf(argv: readonly string[]): number | null {
  const at = argv.indexOf('--scale');
  if (at < 0) return null;
  const value = Number(argv[at + 1]?.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1_000) throw new Error('--scale takes a whole number of nodes, at least 1000');
  return value;
}

export const NETWORK = 'bench';
export const CONNECTIONS = 50;
export const WARMUP_MS = QUICK ? 500 : 1_000;
export const DURATION_MS = QUICK ? 2_000 : PROFILE ? 8_000 : 5_000;
/** Heartbeats pre-signed per heartbeat figure: enough for 10,000/s through warm-up and measurement. */
export const PRESIGNED = QUICK ? 20_000 : PROFILE ? 100_000 : 60_000;
export const HEARTBEAT_NODES = 1_000;
export const PENDING_NODES = 200;
export const DISCOVERY_SIZES = [1_000, 10_000] as const;
export const SCALE_NODES = 100_000;
/** The scale run's sustained heartbeat load, and its warm-up. */
export const MILLION_HEARTBEAT_MS = QUICK ? 5_000 : 60_000;
export const MILLION_WARMUP_MS = QUICK ? 1_000 : 3_000;
/** Nodes of the scale run that get real Ed25519 keys and heartbeat (spread over all of them). */
export const MILLION_KEYED = QUICK ? 10_000 : 50_000;
/** Nodes of the simulated day (their growth is extrapolated to the scale), and leases for etcd. */
export const DAY_SAMPLE = QUICK ? 200 : 500;
export const ETCD_LEASES = 1_000;

export const TARGETS = {
  heartbeatsPerSecond: 8_334,
  heartbeatP99Ms: 20,
  trpcShare: 0.5,
  discoveryShare: 0.8,
  eventsP99OneMs: 3,
  eventsP99ThousandMs: 100,
  rssBytes: 256 * 1024 * 1024,
  startupMs: 2_000,
  sweepMs: 50,
};

/**
 * How long the timed sweeper pass waits after createMesh returned: a running server's first pass
 * comes a sweep interval after its start, so the pass must not meet start-up's garbage collection.
 */
export const SWEEP_SETTLE_MS = 3_000;

export const benchStarted = performance.now();

export function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}
