import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { SYSTEM_ACTOR, type MeshEvent } from '../../shared/events.js';

/** How a call reached its procedure: a label with four values at most. */
export type Transport = 'rest' | 'trpc-http' | 'trpc-ws' | 'internal';

/** Why a signed request failed its signature checks (a signature for another network is a bad_signature: nothing tells them apart). */
export type SignatureFailure = 'missing' | 'bad_signature' | 'replay' | 'stale' | 'future';

const PREFIX = 'mesh_';
const HEARTBEAT_PROCEDURE = 'health.heartbeat';
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/** Labelled children are looked up once per label set and kept: the hot paths pay a map lookup, not a hash of labels. */
function cached<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}

interface CallChildren {
  calls: Counter.Internal;
  duration: Histogram.Internal<string>;
  heartbeat: Counter.Internal | null;
  /** Replays are found in the request's transaction, past the signature checks: they are counted here. */
  replay: Counter.Internal | null;
}

/**
 * mesh's Prometheus metrics, in a registry of their own: each mesh (and each test) has its own, so
 * nothing is shared between instances. Call sites get one method each; state is read at scrape
 * time (see state-metrics.ts), so the request paths only count.
 */
export class MeshMetrics {
  readonly registry = new Registry();

  readonly #httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'],
    registers: [this.registry],
  });
  readonly #httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from a request arriving to its answer being sent, by method and route template',
    labelNames: ['method', 'route'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #procedureCalls = new Counter({
    name: `${PREFIX}procedure_calls_total`,
    help: 'Procedure calls (tRPC, and REST paths that call them), by procedure, transport and outcome (ok or a mesh error code)',
    labelNames: ['procedure', 'transport', 'outcome'],
    registers: [this.registry],
  });
  readonly #procedureDuration = new Histogram({
    name: `${PREFIX}procedure_duration_seconds`,
    help: 'Time a procedure took, input validation and signature checks included, by procedure and transport',
    labelNames: ['procedure', 'transport'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #refusals = new Counter({
    name: `${PREFIX}refusals_total`,
    help: 'Requests answered with an error, by mesh error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly #signatureFailures = new Counter({
    name: `${PREFIX}signature_failures_total`,
    help: 'Signed requests refused by their signature checks, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly #events = new Counter({
    name: `${PREFIX}events_committed_total`,
    help: 'Events this process committed to the events log, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly #admission = {
    'node.registered': this.#counter(
      'registrations_total',
      'Nodes registered (first registrations; updates are node.updated events)',
    ),
    'node.approved': this.#counter('approvals_total', 'Nodes approved by a sovereign'),
    'node.denied': this.#counter('denials_total', 'Nodes denied by a sovereign'),
    'node.removed': this.#counter('removals_total', 'Nodes removed by a sovereign'),
  } as Partial<Record<MeshEvent['type'], Counter>>;
  readonly #autoDenials = this.#counter(
    'auto_denials_total',
    'Offline nodes denied by mesh itself after MESH_AUTO_DENY_AFTER_MISSED missed heartbeat intervals',
  );
  readonly #heartbeatsAccepted = this.#counter('heartbeats_accepted_total', 'Heartbeats recorded');
  readonly #heartbeatsRefused = new Counter({
    name: `${PREFIX}heartbeats_refused_total`,
    help: 'Heartbeats refused, by mesh error code',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly #heartbeatBatchSize = new Histogram({
    name: `${PREFIX}heartbeat_batch_size`,
    help: 'Heartbeats recorded together in one write',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly #heartbeatCommit = new Histogram({
    name: `${PREFIX}heartbeat_commit_duration_seconds`,
    help: 'Time from a heartbeat batch being queued for writing to its commit being published',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #verifyDuration = new Histogram({
    name: `${PREFIX}signature_verification_duration_seconds`,
    help: 'Time to verify one signature inline, or one batch on a verification thread (queueing there included)',
    labelNames: ['where'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #verifications = new Counter({
    name: `${PREFIX}signature_verifications_total`,
    help: 'Signatures verified, inline or on a verification thread',
    labelNames: ['where'],
    registers: [this.registry],
  });
  readonly #verifyRestarts = this.#counter(
    'verify_thread_restarts_total',
    'Signature verification threads restarted after failing',
  );
  readonly #watchersCut = new Counter({
    name: `${PREFIX}watchers_cut_total`,
    help: 'Event watchers disconnected for falling too far behind, by transport',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly #sweeps = new Counter({
    name: `${PREFIX}sweeper_passes_total`,
    help: 'Health sweeper passes, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #sweepDuration = new Histogram({
    name: `${PREFIX}sweeper_pass_duration_seconds`,
    help: 'Time one health sweeper pass took, commit included',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #offlined = this.#counter('sweeper_nodes_offlined_total', 'Nodes the health sweeper marked offline');

  readonly #requestChild = cached((key) => {
    const [method = '', route = '', status = ''] = key.split(' ');
    return { count: this.#httpRequests.labels(method, route, status), duration: this.#httpDuration.labels(method, route) };
  });
  readonly #callChild = cached((key): CallChildren => {
    const [procedure = '', transport = '', outcome = ''] = key.split(' ');
    const heartbeat =
      procedure !== HEARTBEAT_PROCEDURE
        ? null
        : outcome === 'ok'
          ? this.#heartbeatsAccepted
          : this.#heartbeatsRefused.labels(outcome);
    return {
      calls: this.#procedureCalls.labels(procedure, transport, outcome),
      duration: this.#procedureDuration.labels(procedure, transport),
      heartbeat,
      replay: outcome === 'REPLAYED_TIMESTAMP' ? this.#signatureFailures.labels('replay') : null,
    };
  });
  readonly #refusalChild = cached((code) => this.#refusals.labels(code));
  readonly #eventChild = cached((type) => this.#events.labels(type));
  readonly #inlineVerify = { duration: this.#verifyDuration.labels('inline'), count: this.#verifications.labels('inline') };
  readonly #threadVerify = { duration: this.#verifyDuration.labels('thread'), count: this.#verifications.labels('thread') };

  constructor(options: { processMetrics: boolean }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name: `${PREFIX}${name}`, help, registers: [this.registry] });
  }

  /** An HTTP answer sent. `route` is a template (`/nodes/:id`), never the path asked for. */
  requestAnswered(method: string, route: string, status: number, seconds: number): void {
    const child = this.#requestChild(`${method} ${route} ${statusClass(status)}`);
    child.count.inc();
    child.duration.observe(seconds);
  }

  /** A procedure call finished; `outcome` is `ok` or the mesh error code it answered with. */
  procedureCalled(procedure: string, transport: Transport, outcome: string, seconds: number): void {
    const child = this.#callChild(`${procedure} ${transport} ${outcome}`);
    child.calls.inc();
    child.duration.observe(seconds);
    child.heartbeat?.inc();
    child.replay?.inc();
  }

  refused(code: string): void {
    this.#refusalChild(code).inc();
  }

  signatureFailed(reason: SignatureFailure): void {
    this.#signatureFailures.labels(reason).inc();
  }

  eventsCommitted(events: readonly MeshEvent[]): void {
    for (const event of events) {
      this.#eventChild(event.type).inc();
      if (event.type === 'node.denied' && event.actor === SYSTEM_ACTOR) this.#autoDenials.inc();
      else this.#admission[event.type]?.inc();
    }
  }

  heartbeatBatchCommitted(size: number, seconds: number): void {
    this.#heartbeatBatchSize.observe(size);
    this.#heartbeatCommit.observe(seconds);
  }

  verifiedInline(seconds: number): void {
    this.#inlineVerify.count.inc();
    this.#inlineVerify.duration.observe(seconds);
  }

  verifiedOnThread(signatures: number, seconds: number): void {
    this.#threadVerify.count.inc(signatures);
    this.#threadVerify.duration.observe(seconds);
  }

  verifyThreadRestarted(): void {
    this.#verifyRestarts.inc();
  }

  watcherCut(transport: Transport): void {
    this.#watchersCut.labels(transport).inc();
  }

  /** `fenced`: refused because this process had lost the leader lease (see LeaderLease.fence). */
  sweepFinished(outcome: 'ok' | 'failed' | 'fenced', seconds: number, offlined: number): void {
    this.#sweeps.labels(outcome).inc();
    this.#sweepDuration.observe(seconds);
    if (offlined > 0) this.#offlined.inc(offlined);
  }
}
