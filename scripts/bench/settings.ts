/** What one `npm run bench` measures and how long: the command-line flags, the load sizes, the targets. */
const args = new Set(process.argv.slice(2));
export const QUICK = args.has('--quick');
export const PROFILE = args.has('--profile');
export const WRITE = !QUICK && !PROFILE && !args.has('--no-write');

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

export const benchStarted = performance.now();

export function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}
