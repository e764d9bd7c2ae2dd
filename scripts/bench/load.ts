/**
 * The load generator: a separate process (forked by run.ts) that receives one job over IPC, runs
 * it against 127.0.0.1 and answers one result. Closed loop: each connection sends its next request
 * when the previous answer has arrived. Every job is bounded by a duration and a request count and
 * stops by itself.
 *
 * HTTP goes through undici's Pool.dispatch (keep-alive, one request per connection at a time): on
 * this 2-core machine it drives a bare node:http server about 1.5× harder than node:http's own
 * client does from the same single core, so the limits measured here are the server's, not the
 * loader's. The tRPC figure uses the typed client as a validator would: createTRPCClient with
 * httpLink and superjson.
 */
import { readFileSync } from 'node:fs';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { Pool, type Dispatcher } from 'undici';
import { signedHeartbeat, signedNodeDecision } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import type { AppRouter } from '../../server/routers/_app.js';
import type { HeartbeatFields } from '../../shared/requests.js';
import { privateKeyFromSeed } from '../../shared/sign.js';
import type {
  EtcdKeepaliveJob,
  EventsJob,
  EventsResult,
  FixedHttpJob,
  HeartbeatJob,
  Job,
  KeysFile,
  Latency,
  LoaderMessage,
  LoadResult,
} from './jobs.js';
import { runForkedJob, sendToParent } from './forked-job.js';

const send = (message: LoaderMessage): Promise<void> => sendToParent(message);

const newHistogram = (): RecordableHistogram => createHistogram({ lowest: 1, highest: 600_000_000, figures: 3 });

/** Latency is recorded in microseconds (the histogram takes integers) and reported in milliseconds. */
function recordMs(histogram: RecordableHistogram, ms: number): void {
  histogram.record(Math.max(1, Math.round(ms * 1000)));
}

function latencyOf(histogram: RecordableHistogram): Latency {
  const count = histogram.count;
  const ms = (us: number) => (count === 0 ? Number.NaN : us / 1000);
  return {
    count,
    mean: ms(histogram.mean),
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Counts and times answers, in two phases: warm-up (not recorded) then measurement, which starts
 * `warmupMs` after start() and ends after `durationMs`, or earlier when the requests run out.
 */
class Recorder {
  phase: 'idle' | 'warmup' | 'measure' | 'stopping' = 'idle';
  histogram = newHistogram();
  sent = 0;
  ok = 0;
  okTotal = 0;
  bodyBytes = 0;
  statuses: Record<string, number> = {};
  failures: Record<string, number> = {};
  errorSample: string | undefined;
  exhausted = false;
  #measureStart = 0;
  #measureEnd = 0;
  #cpuStart: NodeJS.CpuUsage = process.cpuUsage();
  #cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  #timers: NodeJS.Timeout[] = [];
  #timeline: number[] = [];
  #slowest: { sentAtMs: number; ms: number; status: number }[] = [];

  constructor(private readonly bounds: { warmupMs: number; durationMs: number }) {}

  start(): void {
    this.phase = 'warmup';
    this.#timers.push(setTimeout(() => this.#beginMeasure(), this.bounds.warmupMs));
  }

  #beginMeasure(): void {
    if (this.phase !== 'warmup') return;
    this.phase = 'measure';
    this.#measureStart = performance.now();
    this.#cpuStart = process.cpuUsage();
    void send({ type: 'measuring' });
    this.#timers.push(setTimeout(() => this.stop(), this.bounds.durationMs));
  }

  /** Ends the measured time now; requests still in flight are answered but not counted. */
  stop(exhausted = false): void {
    if (this.phase === 'stopping') return;
    if (this.phase === 'warmup') this.#beginMeasure(); // ran out during warm-up: an empty measurement
    this.phase = 'stopping';
    this.exhausted = exhausted;
    this.#measureEnd = performance.now();
    this.#cpu = process.cpuUsage(this.#cpuStart);
    for (const timer of this.#timers) clearTimeout(timer);
    void send({ type: 'measured' });
  }

  get sending(): boolean {
    return this.phase === 'warmup' || this.phase === 'measure';
  }

  onSent(): void {
    if (this.phase === 'measure') this.sent += 1;
  }

  onAnswer(status: number, ok: boolean, ms: number, bytes: number, body?: string): void {
    if (ok) this.okTotal += 1;
    if (this.phase !== 'measure') return;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (ok) {
      this.ok += 1;
      this.bodyBytes = bytes;
      recordMs(this.histogram, ms);
      const bucket = Math.floor((performance.now() - this.#measureStart) / 500);
      this.#timeline[bucket] = (this.#timeline[bucket] ?? 0) + 1;
    }
    if (this.#slowest.length < 3 || ms > (this.#slowest[this.#slowest.length - 1]?.ms ?? 0)) {
      this.#slowest.push({ sentAtMs: performance.now() - ms - this.#measureStart, ms, status });
      this.#slowest.sort((a, b) => b.ms - a.ms);
      this.#slowest.length = Math.min(this.#slowest.length, 3);
    }
    if (!ok && this.errorSample === undefined && body !== undefined) {
      this.errorSample = `${status} ${body.slice(0, 300)}`;
    }
  }

  onFailure(code: string): void {
    if (this.phase === 'measure') this.failures[code] = (this.failures[code] ?? 0) + 1;
  }

  result(label: string, lastTimestamp?: number): LoadResult {
    const elapsedMs = this.#measureEnd - this.#measureStart;
    const cpuSeconds = (this.#cpu.user + this.#cpu.system) / 1e6;
    return {
      label,
      sent: this.sent,
      ok: this.ok,
      statuses: this.statuses,
      failures: this.failures,
      okTotal: this.okTotal,
      elapsedMs,
      rate: elapsedMs > 0 ? (this.ok * 1000) / elapsedMs : 0,
      latency: latencyOf(this.histogram),
      bodyBytes: this.bodyBytes,
      loaderCpu: elapsedMs > 0 ? cpuSeconds / (elapsedMs / 1000) : Number.NaN,
      exhausted: this.exhausted,
      slowest: this.#slowest,
      // Whole 0.5 s buckets only: an answer landing as the clock stops would make a misleading last bucket.
      timeline: Array.from(this.#timeline, (count) => count ?? 0).slice(0, Math.floor(elapsedMs / 500)),
      ...(lastTimestamp === undefined ? {} : { lastTimestamp }),
      ...(this.errorSample === undefined ? {} : { errorSample: this.errorSample }),
    };
  }
}

interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

/** One request over the pool; resolves with the status and the body size (and the body, for errors). */
function dispatch(pool: Pool, request: HttpRequest, keepErrorBody: (status: number) => boolean) {
  return new Promise<{ status: number; bytes: number; body?: string }>((resolve, reject) => {
    let status = 0;
    let bytes = 0;
    let kept: Buffer[] | null = null;
    const handler: Dispatcher.DispatchHandler = {
      // undici takes a handler as the new (non-deprecated) kind only when it has onRequestStart.
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode;
        if (keepErrorBody(statusCode)) kept = [];
      },
      onResponseData(_controller, chunk) {
        bytes += chunk.length;
        if (kept && bytes < 4096) kept.push(chunk);
      },
      onResponseEnd() {
        resolve({ status, bytes, ...(kept ? { body: Buffer.concat(kept).toString('utf8') } : {}) });
      },
      onResponseError(_controller, error) {
        reject(error);
      },
    };
    pool.dispatch({ path: request.path, method: request.method, headers: request.headers, body: request.body ?? null }, handler);
  });
}

/** Runs `connections` closed loops over `nextRequest` until the recorder stops or the requests run out. */
async function runHttpLoops(
  origin: string,
  connections: number,
  recorder: Recorder,
  expectStatus: number,
  nextRequest: () => HttpRequest | null,
): Promise<void> {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  let failures = 0;
  const loop = async () => {
    while (recorder.sending) {
      const request = nextRequest();
      if (!request) {
        recorder.stop(true);
        break;
      }
      const started = performance.now();
      recorder.onSent();
      try {
        const answer = await dispatch(pool, request, (status) => status !== expectStatus);
        recorder.onAnswer(answer.status, answer.status === expectStatus, performance.now() - started, answer.bytes, answer.body);
      } catch (error) {
        recorder.onFailure((error as { code?: string }).code ?? (error as Error).name);
        if (++failures > 1_000) {
          recorder.stop();
          throw new Error(`more than 1,000 failed requests, the last: ${(error as Error).message}`, { cause: error });
        }
        await sleep(10);
      }
    }
  };
  recorder.start();
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    await pool.destroy().catch(() => undefined);
  }
}

async function runFixed(job: FixedHttpJob): Promise<LoadResult> {
  const recorder = new Recorder(job);
  const request: HttpRequest = {
    method: job.method,
    path: job.path,
    headers: job.body === undefined ? job.headers : { 'content-type': 'application/json', ...job.headers },
    body: job.body === undefined ? undefined : Buffer.from(job.body),
  };
  let remaining = job.maxRequests;
  await runHttpLoops(job.origin, job.connections, recorder, job.expectStatus, () => (remaining-- > 0 ? request : null));
  return recorder.result(job.label);
}

function readKeys(path: string): KeysFile {
  return JSON.parse(readFileSync(path, 'utf8')) as KeysFile;
}

/**
 * Signs `count` heartbeats before the clock starts: round-robin over the nodes, so a node's next
 * heartbeat comes `nodes` requests after its previous one (far more than the connections in
 * flight, so they arrive in order), with timestamps increasing by 1 ms per round from just above
 * minTimestamp.
 */
function presignHeartbeats(job: HeartbeatJob): { heartbeats: HeartbeatFields[]; lastTimestamp: number } {
  const keys = readKeys(job.keysFile);
  const signers = keys.active.map((key) => ({ key, signer: new Signer(privateKeyFromSeed(key.seed)) }));
  if (signers.length === 0) throw new Error('no active node keys to sign heartbeats with');
  const base = Math.max(Date.now(), job.minTimestamp + 1);
  const heartbeats = new Array<HeartbeatFields>(job.maxRequests);
  for (let index = 0; index < job.maxRequests; index++) {
    const { key, signer } = signers[index % signers.length]!;
    const timestamp = base + Math.floor(index / signers.length);
    heartbeats[index] = signedHeartbeat(signer, { nodeId: key.nodeId, tailscaleIP: key.ip }, { network: job.network, timestamp });
  }
  return { heartbeats, lastTimestamp: base + Math.floor((job.maxRequests - 1) / signers.length) };
}

async function runRestHeartbeats(job: HeartbeatJob): Promise<LoadResult> {
  const { heartbeats, lastTimestamp } = presignHeartbeats(job);
  const bodies = heartbeats.map((fields) => Buffer.from(JSON.stringify(fields)));
  const headers = { 'content-type': 'application/json' };
  const recorder = new Recorder(job);
  let next = 0;
  await runHttpLoops(job.origin, job.connections, recorder, 200, () =>
    next < bodies.length ? { method: 'POST', path: '/heartbeat', headers, body: bodies[next++] } : null,
  );
  return recorder.result(job.label, lastTimestamp);
}

async function runTrpcHeartbeats(job: HeartbeatJob): Promise<LoadResult> {
  const { heartbeats, lastTimestamp } = presignHeartbeats(job);
  const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${job.origin}/trpc`, transformer: superjson })] });
  const recorder = new Recorder(job);
  let next = 0;
  let failures = 0;
  const loop = async () => {
    while (recorder.sending) {
      const fields = heartbeats[next++];
      if (!fields) {
        recorder.stop(true);
        break;
      }
      const started = performance.now();
      recorder.onSent();
      try {
        await client.health.heartbeat.mutate(fields);
        recorder.onAnswer(200, true, performance.now() - started, 0);
      } catch (error) {
        const status =
          error instanceof TRPCClientError ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
        if (status !== undefined) {
          recorder.onAnswer(status, false, performance.now() - started, 0, (error as Error).message);
        } else {
          recorder.onFailure((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name);
          if (++failures > 1_000) throw error;
          await sleep(10);
        }
      }
    }
  };
  recorder.start();
  await Promise.all(Array.from({ length: job.connections }, loop));
  return recorder.result(job.label, lastTimestamp);
}

/**
 * Opens `subscribers` SSE streams on GET /events, then makes `changes` state changes one at a
 * time (a sovereign approves a pending node) and times each from the moment its request is sent
 * until the node's id appears on each stream.
 */
async function runEvents(job: EventsJob): Promise<EventsResult> {
  const keys = readKeys(job.keysFile);
  const sovereign = new Signer(privateKeyFromSeed(keys.sovereign.seed));
  const base = Math.max(Date.now(), job.minTimestamp + 1);
  const targets = keys.pending.slice(job.firstPending, job.firstPending + job.changes);
  if (targets.length < job.changes) throw new Error(`only ${targets.length} pending nodes left for ${job.changes} changes`);
  const approvals = targets.map((node, index) => ({
    nodeId: node.nodeId,
    body: Buffer.from(
      JSON.stringify(
        signedNodeDecision(
          sovereign,
          'approve',
          { nodeId: node.nodeId, nodePublicKey: node.publicKey },
          { network: job.network, timestamp: base + index },
        ),
      ),
    ),
  }));

  const histogram = newHistogram();
  let current: { index: number; nodeId: string; sentAt: number; arrived: number; done: () => void } | null = null;
  const streams = new Pool(job.origin, { connections: job.subscribers, pipelining: 1 });
  const controllers: Dispatcher.DispatchController[] = [];
  let connected = 0;
  const idLength = Math.max(...targets.map((node) => node.nodeId.length));
  const open = Array.from(
    { length: job.subscribers },
    () =>
      new Promise<void>((resolve, reject) => {
        let tail = '';
        let lastSeen = -1;
        streams.dispatch(
          { path: '/events', method: 'GET', headers: { accept: 'text/event-stream' } },
          {
            onRequestStart(controller) {
              controllers.push(controller);
            },
            onResponseStart(_controller, statusCode, headers) {
              const type = String(headers['content-type'] ?? '');
              if (statusCode !== 200 || !type.startsWith('text/event-stream')) {
                reject(new Error(`GET /events answered ${statusCode} ${type}`));
                return;
              }
              connected += 1;
              resolve();
            },
            onResponseData(_controller, chunk) {
              const text = tail + chunk.toString('latin1');
              tail = text.slice(-idLength);
              const change = current;
              if (change && lastSeen < change.index && text.includes(change.nodeId)) {
                lastSeen = change.index;
                recordMs(histogram, performance.now() - change.sentAt);
                if (++change.arrived === job.subscribers) change.done();
              }
            },
            onResponseEnd() {},
            onResponseError(_controller, error) {
              reject(error);
            },
          },
        );
      }),
  );
  const timeout = sleep(10_000).then(() => {
    throw new Error(`only ${connected} of ${job.subscribers} subscribers connected within 10 s`);
  });
  await Promise.race([Promise.all(open), timeout]);
  await sleep(200);

  const writes = new Pool(job.origin, { connections: 1, pipelining: 1 });
  const statuses: Record<string, number> = {};
  let lost = 0;
  await send({ type: 'measuring' });
  for (const [index, approval] of approvals.entries()) {
    const arrived = new Promise<void>((resolve) => {
      current = { index, nodeId: approval.nodeId, sentAt: performance.now(), arrived: 0, done: resolve };
    });
    const answer = dispatch(
      writes,
      {
        method: 'POST',
        path: `/approve/${approval.nodeId}`,
        headers: { 'content-type': 'application/json' },
        body: approval.body,
      },
      () => false,
    );
    await Promise.race([arrived, sleep(job.changeTimeoutMs)]);
    const { status } = await answer;
    statuses[status] = (statuses[status] ?? 0) + 1;
    lost += job.subscribers - (current as { arrived: number } | null)!.arrived;
    current = null;
    await sleep(10);
  }
  await send({ type: 'measured' });
  for (const controller of controllers) controller.abort(new Error('benchmark done'));
  await Promise.all([streams.destroy().catch(() => undefined), writes.destroy().catch(() => undefined)]);
  return {
    label: job.label,
    subscribers: job.subscribers,
    changes: job.changes,
    latency: latencyOf(histogram),
    lost,
    statuses,
    lastTimestamp: base + approvals.length - 1,
  };
}

/**
 * etcd 3.4's lease keepalives through the etcd3 client, as a validator holding a lease would send
 * them: `leases` leases granted first (not timed), then keepaliveOnce round-robin over them from
 * `connections` closed loops, all over the client's one gRPC channel.
 */
async function runEtcdKeepalives(job: EtcdKeepaliveJob): Promise<LoadResult> {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: job.origin });
  try {
    const leases = Array.from({ length: job.leases }, () => client.lease(600, { autoKeepAlive: false }));
    for (let start = 0; start < leases.length; start += job.connections) {
      await Promise.all(leases.slice(start, start + job.connections).map((lease) => lease.grant()));
    }
    const recorder = new Recorder(job);
    let next = 0;
    let remaining = job.maxRequests;
    let failures = 0;
    const loop = async () => {
      while (recorder.sending) {
        if (remaining-- <= 0) {
          recorder.stop(true);
          break;
        }
        const lease = leases[next++ % leases.length]!;
        const started = performance.now();
        recorder.onSent();
        try {
          await lease.keepaliveOnce();
          recorder.onAnswer(200, true, performance.now() - started, 0);
        } catch (error) {
          recorder.onFailure((error as Error).name);
          if (++failures > 1_000) throw error;
          await sleep(10);
        }
      }
    };
    recorder.start();
    await Promise.all(Array.from({ length: job.connections }, loop));
    return recorder.result(job.label);
  } finally {
    client.close();
  }
}

async function run(job: Job): Promise<LoadResult | EventsResult> {
  switch (job.kind) {
    case 'etcd-keepalive':
      return runEtcdKeepalives(job);
    case 'http':
      return runFixed(job);
    case 'heartbeat-rest':
      return runRestHeartbeats(job);
    case 'heartbeat-trpc':
      return runTrpcHeartbeats(job);
    case 'events':
      return runEvents(job);
  }
}

// No job here needs more than two minutes beyond twice its measured time, and its pre-signing
// (on a busy machine, about 2 ms a heartbeat).
runForkedJob('load generator', run, (job) =>
  'durationMs' in job ? 120_000 + 2 * job.durationMs + (job.kind.startsWith('heartbeat') ? 2 * job.maxRequests : 0) : 120_000,
);
