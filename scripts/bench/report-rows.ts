/** The table's rows and the notes under it, from the figures of one run. */
import { availableParallelism } from 'node:os';
import type { DiscoveryFigures } from './figure-discovery.js';
import type { EventsFigures } from './figure-events.js';
import type { HeartbeatFigures } from './figure-heartbeats.js';
import type { LimitFigures } from './figure-limits.js';
import type { ScaleFigures } from './figure-scale.js';
import type { PropagationFigures } from './figure-propagation.js';
import type { EventsResult, LoadResult } from './jobs.js';
import { cores, noisyFigures, type Measured } from './measure.js';
import { formatBytes, formatCount, formatMs, formatRate, ratioOf, type MachineInfo, type Row } from './report.js';
import {
  benchStarted,
  CONNECTIONS,
  DURATION_MS,
  HEARTBEAT_NODES,
  PRESIGNED,
  SCALE_NODES,
  SWEEP_SETTLE_MS,
  TARGETS,
  WARMUP_MS,
} from './settings.js';

export interface BenchFigures {
  limits: LimitFigures;
  heartbeats: HeartbeatFigures;
  discovery: DiscoveryFigures[];
  events: EventsFigures;
  scale: ScaleFigures;
  propagation: PropagationFigures;
}

function errorsOf(result: LoadResult): number {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);
  return sum(result.statuses) - result.ok + sum(result.failures);
}

function rateCell(result: LoadResult, withP50 = false): string {
  const errors = errorsOf(result);
  const latency = withP50
    ? `p50 ${formatMs(result.latency.p50)}, p99 ${formatMs(result.latency.p99)}`
    : `p99 ${formatMs(result.latency.p99)}`;
  return `${formatRate(result.rate)} (${latency})${errors > 0 ? `, ${formatCount(errors)} errors` : ''}`;
}

export function describeLoad(name: string, measured: Measured<LoadResult>, withTimeline = false): string {
  const { result } = measured;
  const statuses = Object.entries(result.statuses)
    .map(([status, n]) => `${status}×${formatCount(n)}`)
    .join(' ');
  const failures = Object.entries(result.failures)
    .map(([code, n]) => `${code}×${formatCount(n)}`)
    .join(' ');
  return (
    `${name}: ${formatCount(result.ok)} ok in ${formatMs(result.elapsedMs)}${result.exhausted ? ' (ran out of requests before the time was up)' : ''}; ` +
    `statuses ${statuses || 'none'}${failures ? `; no answer: ${failures}` : ''}; ` +
    `latency p50 ${formatMs(result.latency.p50)}, p90 ${formatMs(result.latency.p90)}, p99 ${formatMs(result.latency.p99)}, max ${formatMs(result.latency.max)}; ` +
    `CPU in cores: server ${cores(measured.cpu.server)}, load generator ${cores(result.loaderCpu)}, whole machine ${cores(measured.cpu.machine)} of ${availableParallelism()}` +
    (measured.cpu.machine - measured.cpu.server - result.loaderCpu >= 0.25
      ? ` (**other processes used ${cores(measured.cpu.machine - measured.cpu.server - result.loaderCpu)} cores: a disturbed figure**)`
      : '') +
    (measured.cpu.iowait >= 0.05 ? `, iowait ${cores(measured.cpu.iowait)}` : '') +
    (measured.cpu.steal >= 0.05 ? `, steal ${cores(measured.cpu.steal)}` : '') +
    (result.loaderCpu >= 0.95 && measured.cpu.server < 0.9
      ? ' (**the load generator was the bottleneck, not the server: as a limit this is a lower bound**)'
      : '') +
    ((result.slowest[0]?.ms ?? 0) > Math.max(4 * result.latency.p99, 50) || withTimeline
      ? `; slowest answers: ${result.slowest.map((slow) => `${slow.status} in ${formatMs(slow.ms)} (sent at ${(slow.sentAtMs / 1000).toFixed(2)} s)`).join(', ')}; counted answers per 0.5 s: ${result.timeline.join(' ')}`
      : '') +
    (result.errorSample ? `; first error: \`${result.errorSample.replace(/`/g, "'").replace(/\s+/g, ' ').slice(0, 200)}\`` : '')
  );
}

/** A write acknowledged by one process → seen on another's event stream; the target is a poll interval plus one same-process answer. */
export function propagationRow(propagation: PropagationFigures, sameProcessP99Ms: number): Row {
  const { latency, lost, pollMs } = propagation;
  const targetMs = pollMs + sameProcessP99Ms;
  return {
    figure: "propagation across processes: write acknowledged by A → B's event stream (2 processes, one file)",
    measured: `p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}${lost > 0 ? `, ${formatCount(lost)} lost` : ''}`,
    limit: `${formatMs(pollMs)} (MESH_EVENT_POLL_MS)`,
    ratio: ratioOf(latency.p99, pollMs),
    target: `p99 ≤ MESH_EVENT_POLL_MS + one answer (${formatMs(targetMs)})`,
    met: lost === 0 && latency.p99 <= targetMs,
  };
}

/** The table's rows and the notes, in the order they are printed. */
export function report(all: BenchFigures, machine: MachineInfo): { rows: Row[]; notes: string[] } {
  const { limits, heartbeats, discovery, events, scale, propagation } = all;
  const { verify } = limits;
  const rows: Row[] = [];
  const notes: string[] = [];
  notes.push(describeLoad('bare node:http POST (limit)', limits.barePost));
  const accepted = heartbeats.rest.result.okTotal + heartbeats.trpc.result.okTotal;
  notes.push(
    `heartbeats persisted: ${formatCount(heartbeats.persisted)} rows in the heartbeats table after mesh stopped, for ${formatCount(accepted)} answers 200 (warm-up included)` +
      (heartbeats.persisted === accepted ? ': every accepted heartbeat was committed.' : ': **they differ**.'),
  );
  notes.push(describeLoad('heartbeats REST', heartbeats.rest, true));
  notes.push(describeLoad('heartbeats tRPC', heartbeats.trpc, true));
  for (const figures of discovery) {
    const size = formatCount(figures.nodes);
    notes.push(describeLoad(`discovery ${size} mesh full`, figures.meshFull));
    notes.push(describeLoad(`discovery ${size} bare full (limit)`, figures.bareFull));
    notes.push(describeLoad(`discovery ${size} mesh 304`, figures.mesh304));
    notes.push(describeLoad(`discovery ${size} bare 304 (limit)`, figures.bare304));
  }

  rows.push({
    figure: 'limit: Ed25519 verify, node:crypto, 1 thread',
    measured: formatRate(verify.perSecond),
    limit: null,
    ratio: null,
    target: 'reference ≈ 10,500/s (issue 5)',
    met: null,
  });
  rows.push({
    figure: `limit: bare node:http, small JSON POST, ${CONNECTIONS} conns`,
    measured: rateCell(limits.barePost.result, true),
    limit: null,
    ratio: null,
    target: 'reference ≈ 57,000/s (issue 5)',
    met: null,
  });
  const rest = heartbeats.rest.result;
  rows.push({
    figure: `heartbeats REST, ${formatCount(HEARTBEAT_NODES)} nodes, ${CONNECTIONS} conns`,
    measured: rateCell(rest, true),
    limit: `${formatRate(verify.perSecond)} (Ed25519 verify, 1 thread)`,
    ratio: ratioOf(rest.rate, verify.perSecond),
    target: `≥ ${formatRate(TARGETS.heartbeatsPerSecond)}, p99 ≤ ${TARGETS.heartbeatP99Ms} ms`,
    met: rest.rate >= TARGETS.heartbeatsPerSecond && rest.latency.p99 <= TARGETS.heartbeatP99Ms,
  });
  const trpc = heartbeats.trpc.result;
  rows.push({
    figure: `heartbeats tRPC client (httpLink), ${CONNECTIONS} in flight`,
    measured: rateCell(trpc, true),
    limit: `${formatRate(rest.rate)} (REST above)`,
    ratio: ratioOf(trpc.rate, rest.rate),
    target: `≥ ${TARGETS.trpcShare}× REST`,
    met: rest.rate > 0 ? trpc.rate >= TARGETS.trpcShare * rest.rate : false,
  });
  for (const figures of discovery) {
    const size = formatCount(figures.nodes);
    rows.push({
      figure: `discovery ${size} active, full 200 (${formatBytes(figures.bytes)})`,
      measured: rateCell(figures.meshFull.result),
      limit: `${rateCell(figures.bareFull.result)} bare, same bytes`,
      ratio: ratioOf(figures.meshFull.result.rate, figures.bareFull.result.rate),
      target: `≥ ${TARGETS.discoveryShare}× bare`,
      met: figures.meshFull.result.rate >= TARGETS.discoveryShare * figures.bareFull.result.rate,
    });
    rows.push({
      figure: `discovery ${size} active, 304 (If-None-Match)`,
      measured: rateCell(figures.mesh304.result),
      limit: `${rateCell(figures.bare304.result)} bare 304`,
      ratio: ratioOf(figures.mesh304.result.rate, figures.bare304.result.rate),
      target: `≥ ${TARGETS.discoveryShare}× bare`,
      met: figures.mesh304.result.rate >= TARGETS.discoveryShare * figures.bare304.result.rate,
    });
  }
  const latencyCell = (result: EventsResult, withP50: boolean) =>
    `${withP50 ? `p50 ${formatMs(result.latency.p50)}, ` : ''}p99 ${formatMs(result.latency.p99)}${result.lost > 0 ? `, ${formatCount(result.lost)} lost` : ''}`;
  const eventRow = (figure: string, which: 'one' | 'thousand', targetMs: number): Row => {
    const bareResult = events.bare[which].result;
    const limit = `${latencyCell(bareResult, which === 'one')} (bare SSE server)`;
    const measured = events.mesh[which].result;
    const target = `p99 ≤ ${formatMs(targetMs)}`;
    return {
      figure,
      measured: latencyCell(measured, which === 'one'),
      limit,
      ratio: ratioOf(measured.latency.p99, bareResult.latency.p99),
      target,
      met: measured.lost === 0 && measured.latency.p99 <= targetMs,
    };
  };
  rows.push(eventRow('events: change → 1 SSE subscriber', 'one', TARGETS.eventsP99OneMs));
  rows.push(eventRow('events: change → 1,000 SSE subscribers', 'thousand', TARGETS.eventsP99ThousandMs));
  for (const measured of [events.mesh.one, events.mesh.thousand, events.bare.one, events.bare.thousand]) {
    const r = measured.result;
    notes.push(
      `${r.label}: ${r.changes} approvals one at a time, ${formatCount(r.subscribers)} subscriber(s); delay from sending the approval to the node id arriving on each stream: ` +
        `p50 ${formatMs(r.latency.p50)}, p99 ${formatMs(r.latency.p99)}, max ${formatMs(r.latency.max)}; lost ${r.lost}; approval statuses ${JSON.stringify(r.statuses)}; ` +
        `CPU in cores: server ${cores(measured.cpu.server)}, whole machine ${cores(measured.cpu.machine)}`,
    );
  }
  rows.push(propagationRow(propagation, events.mesh.one.result.latency.p99));
  notes.push(
    `propagation across processes: two mesh processes on one SQLite file (MESH_EVENT_POLL_MS ${propagation.pollMs}); ${propagation.changes} registrations made one at a time on the first, each timed from its 200 to its node.registered on an SSE stream of the second: ` +
      `p50 ${formatMs(propagation.latency.p50)}, p90 ${formatMs(propagation.latency.p90)}, p99 ${formatMs(propagation.latency.p99)}, max ${formatMs(propagation.latency.max)}; lost ${propagation.lost}. ` +
      `The second process learns of the write only by polling the events log, so the target is one poll interval plus one answer (the same-process figure, change → 1 SSE subscriber).`,
  );
  const scaleSize = formatCount(SCALE_NODES);
  rows.push({
    figure: `${scaleSize} nodes: resident memory, after start / after a discovery request`,
    measured: `${formatBytes(scale.rssAfterStart)} / ${formatBytes(scale.rssAfterDiscovery)}`,
    limit: `${formatBytes(scale.bareRss)} (bare server, node + tsx)`,
    ratio: ratioOf(scale.rssAfterDiscovery, scale.bareRss),
    target: `≤ ${formatBytes(TARGETS.rssBytes)}`,
    met: Math.max(scale.rssAfterStart, scale.rssAfterDiscovery) <= TARGETS.rssBytes,
  });
  rows.push({
    figure: `${scaleSize} nodes: start-up, spawn to first answered GET /health`,
    measured: formatMs(scale.startupMs),
    limit: `${formatMs(scale.bareStartupMs)} (bare server, node + tsx)`,
    ratio: ratioOf(scale.startupMs, scale.bareStartupMs),
    target: `≤ ${formatMs(TARGETS.startupMs)}`,
    met: scale.startupMs <= TARGETS.startupMs,
  });
  rows.push({
    figure: `${scaleSize} nodes: one sweeper pass (${formatCount(scale.sweep.wentOffline)} → offline), then ${formatCount(scale.sweep.heartbeatsDeleted)} heartbeats pruned after it`,
    measured: `${formatMs(scale.sweep.passMs)} + ${formatMs(scale.sweep.pruneMs)} pruning (longest stall ${formatMs(scale.sweep.longestStallMs)})`,
    limit: null,
    ratio: null,
    target: `pass ≤ ${formatMs(TARGETS.sweepMs)}`,
    met: scale.sweep.passMs <= TARGETS.sweepMs,
  });
  notes.push(
    `scale: ${scaleSize} nodes (2 services each) and ${formatCount(SCALE_NODES * 1.25)} heartbeat rows seeded directly in ${formatMs(scale.seedMs)}; ` +
      `the first GET /nodes?status=active took ${formatMs(scale.discoveryMs)} for ${formatBytes(scale.discoveryBytes)}; peak resident memory (VmHWM) ${formatBytes(scale.peakRss)}. ` +
      `The sweeper pass runs sweepOnce in the benchmark process on a mesh made by createMesh over the seeded file, its clock one offline threshold after the mesh's start, timed in its two halves (the pass's decisions, then the history it found past retention pruned a batch per transaction), ${formatMs(SWEEP_SETTLE_MS)} after the mesh started (a running server's first pass comes a sweep interval after its start); ` +
      `the seeded history holds the rows one 30 s pass finds past retention at steady state (100,000 × 30 s / 120 s), not the whole 24 h of heartbeats.`,
  );
  notes.push(
    `method: every load is closed-loop from a separate process (undici Pool, keep-alive, ${CONNECTIONS} connections, one request at a time on each), ${formatMs(WARMUP_MS)} of warm-up not counted (${formatMs(2 * WARMUP_MS)} for heartbeats), then ${formatMs(DURATION_MS)} measured or until the requests run out; only answers with the expected status count (200, or 304); latency is that of counted answers. ` +
      `Heartbeats are pre-signed (${formatCount(PRESIGNED)} per figure, round-robin over ${formatCount(HEARTBEAT_NODES)} nodes, timestamps increasing per key) before the clock starts. ` +
      `Server and load generator share the machine's ${machine.nproc} cores: the CPU figures (in cores, from /proc) tell which side was the bottleneck, and whether anything else ran.`,
  );
  notes.push(
    'limits in the same run: heartbeats are compared with Ed25519 verifications/s on one thread (the one piece of work a signed heartbeat cannot skip; the bare POST server row shows HTTP is not the limit); tRPC with the REST figure; discovery with a bare node:http server sending the same bytes and headers from memory (and 304 for a matching If-None-Match); start-up and memory with the bare server started the same way; events with a bare node:http SSE server broadcasting the same approvals. The ratio is measured ÷ limit: below 1 means slower for a rate, above 1 means more (worse) for memory, time and latency.',
  );
  notes.push(
    'reproduce: `npm ci && npm run bench` (about 2 to 3 minutes; `npm run bench -- --quick` for a short run that writes nothing, `-- --profile` for CPU profiles of the heartbeat path).',
  );

  if (noisyFigures.length > 0) {
    notes.push(
      `the machine was not quiet before: ${noisyFigures.join('; ')}. Other work on the machine shares its 2 cores with the benchmark; those figures are lower than a quiet machine gives.`,
    );
  }
  const total = (performance.now() - benchStarted) / 1000;
  notes.push(`this run took ${total.toFixed(0)} s.`);
  return { rows, notes };
}
