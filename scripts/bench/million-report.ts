/**
 * The scale run's table, notes and history row, and its section of BENCHMARKS.md, from the figures
 * of one run. Pure (no I/O), so it is unit-tested (million-report.test.ts).
 */
import type { DayFigures } from './figure-million-day.js';
import type { DeltaFigures } from './figure-million-delta.js';
import type { EtcdFigures } from './figure-etcd.js';
import type { HeartbeatRun } from './figure-million-heartbeats.js';
import type { StartupFigures } from './figure-million-startup.js';
import type { SweepStallFigures } from './figure-million-sweep.js';
import type { UptimeRefreshFigures } from './figure-million-uptime.js';
import type { LoadResult } from './jobs.js';
import type { VerifyLimit } from './limits.js';
import { cores } from './measure.js';
import type { ThreadSplit } from './proc-stats.js';
import { HEARTBEAT_PRUNE_BATCH } from '../../server/services/heartbeat-pruning.js';
import { UPTIME_REFRESH_MS } from '../../server/uptime-refresh.js';
import { CONNECTIONS, SWEEP_SETTLE_MS } from './settings.js';
import { describeLoad } from './report-rows.js';
import {
  escapeCell,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  formatRatio,
  markdownTable,
  ratioOf,
  type MachineInfo,
  type Row,
} from './report.js';

export interface MillionFigures {
  scale: number;
  /** Nodes with real keys, the ones that heartbeat at scale. */
  keyed: number;
  seedMs: number;
  dbBytes: number;
  expiredHeartbeats: number;
  verify: VerifyLimit;
  reference: HeartbeatRun;
  referencePersisted: number;
  etcd: EtcdFigures;
  startup: StartupFigures;
  million: HeartbeatRun;
  delta: DeltaFigures;
  sweep: SweepStallFigures;
  uptime: UptimeRefreshFigures;
  day: DayFigures;
  /** Figures that started while the machine was still busy. */
  noisy: string[];
}

export const MILLION_TARGETS = {
  heartbeatShare: 0.9,
  heartbeatsPerSecond: 8_334,
  heartbeatP99Ms: 20,
  startupShare: 2,
  rssShare: 1.25,
  sweepMs: 500,
  stallMs: 50,
  deltaShare: 0.8,
  growthBytesPerDay: 2 * 1024 ** 3,
  etcdShare: 1,
};

export function formatGigabytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GB` : formatBytes(bytes);
}

function rateCell(result: LoadResult): string {
  return `${formatRate(result.rate)} (p50 ${formatMs(result.latency.p50)}, p99 ${formatMs(result.latency.p99)})${result.exhausted ? ', ran out of pre-signed requests' : ''}`;
}

/** The CPU of one heartbeat run, in cores: mesh's main thread, its verification thread(s), its other threads, the loader. */
export function cpuSplit(run: HeartbeatRun): string {
  const loader = `load generator ${cores(run.measured.result.loaderCpu)}`;
  if (!run.threads) return `mesh ${cores(run.measured.cpu.server)} in all, ${loader}`;
  const verification = verificationCores(run.threads);
  return `mesh main thread ${cores(run.threads.main)}, verification thread ${cores(verification)}, other mesh threads ${cores(run.threads.rest)}, ${loader}; whole machine ${cores(run.measured.cpu.machine)}`;
}

/** Growth of the database per node and day, from the simulated sample. */
function growthPerNodeDay(day: DayFigures): number {
  return (day.after.usedBytes - day.before.usedBytes) / day.sample;
}

/** The tables whose pages grew over the simulated day, most first, in bytes per node and day (when measured). */
export function growthByTable(day: DayFigures): Array<{ table: string; perNode: number }> {
  const before = day.before.bytes;
  const after = day.after.bytes;
  if (!before || !after) return [];
  return Object.entries(after)
    .map(([table, bytes]) => ({ table, perNode: (bytes - (before[table] ?? 0)) / day.sample }))
    .filter((entry) => entry.perNode > 0)
    .sort((a, b) => b.perNode - a.perNode);
}

const describeGrowthByTable = (day: DayFigures) =>
  growthByTable(day)
    .map((entry) => `${entry.table} ${formatBytes(entry.perNode)}`)
    .join(', ');

/** Growth of the database per day at `scale`, extrapolated linearly from the simulated sample. */
export function growthPerDay(day: DayFigures, scale: number): number {
  return growthPerNodeDay(day) * scale;
}

/** The limit for start-up: reading the node and service tables once. */
const tableReadMsOf = (startup: StartupFigures) => startup.tableRead.nodesMs + startup.tableRead.servicesMs;
/** The higher resident memory of the two samples, after start and after the full answer. */
const rssOf = (startup: StartupFigures) => Math.max(startup.rssAfterStart, startup.rssAfterAnswer);
/** The verification threads' CPU together, in cores. */
const verificationCores = (threads: ThreadSplit) => threads.busiest.reduce((sum, used) => sum + used, 0);

function unavailableRow(figure: string, reason: string, target: string): Row {
  return { figure, measured: null, unavailable: reason, limit: null, ratio: null, target, met: null };
}

function heartbeatRows(all: MillionFigures, size: string): Row[] {
  const { reference, million, etcd } = all;
  const ref = reference.measured.result;
  const big = million.measured.result;
  const rows: Row[] = [];
  rows.push({
    figure: `heartbeats REST, ${size} nodes (${formatCount(million.keys)} real keys spread over them), ${formatMs(big.elapsedMs)}`,
    measured: rateCell(big),
    limit: `${formatRate(ref.rate)} (same run, 1,000 nodes)`,
    ratio: ratioOf(big.rate, ref.rate),
    target: `≥ ${MILLION_TARGETS.heartbeatShare}× the 1,000-node figure, ≥ ${formatRate(MILLION_TARGETS.heartbeatsPerSecond)}, p99 ≤ ${MILLION_TARGETS.heartbeatP99Ms} ms`,
    met:
      big.rate >= MILLION_TARGETS.heartbeatShare * ref.rate &&
      big.rate >= MILLION_TARGETS.heartbeatsPerSecond &&
      big.latency.p99 <= MILLION_TARGETS.heartbeatP99Ms,
  });
  rows.push({
    figure: `CPU during heartbeats at ${size} nodes, in cores`,
    measured: cpuSplit(million),
    limit: '1.00 (one thread)',
    ratio: million.threads ? million.threads.main : null,
    target: '—',
    met: null,
  });
  if ('unavailable' in etcd) {
    rows.push(unavailableRow('heartbeats REST, 1,000 nodes, beside etcd 3.4 keepaliveOnce', etcd.unavailable, '≥ 1.0× etcd'));
  } else {
    const keepalives = etcd.measured.result;
    rows.push({
      figure: `heartbeats REST, 1,000 nodes (signed), beside etcd ${etcd.version} keepaliveOnce (unsigned), ${formatCount(etcd.leases)} leases, ${CONNECTIONS} concurrent`,
      measured: rateCell(ref),
      limit: `${rateCell(keepalives)} etcd`,
      ratio: ratioOf(ref.rate, keepalives.rate),
      target: `≥ ${MILLION_TARGETS.etcdShare}× etcd`,
      met: ref.rate >= MILLION_TARGETS.etcdShare * keepalives.rate,
    });
  }
  rows.push({
    figure: `CPU during heartbeats at 1,000 nodes, in cores`,
    measured: cpuSplit(reference),
    limit: `${formatRate(all.verify.perSecond)} Ed25519 verify on 1 thread`,
    ratio: null,
    target: '—',
    met: null,
  });
  return rows;
}

function deltaRows(delta: DeltaFigures): Row[] {
  const reason = delta.unavailable ?? 'not measured';
  const rows: Row[] = [];
  if (delta.delta) {
    const { mesh, bare } = delta.delta;
    rows.push({
      figure: `delta answer after one change (GET /nodes?since=, ${delta.delta.changes} change, ${formatBytes(delta.delta.bytes)})`,
      measured: rateCell(mesh.result),
      limit: `${rateCell(bare.result)} bare, same bytes`,
      ratio: ratioOf(mesh.result.rate, bare.result.rate),
      target: `≥ ${MILLION_TARGETS.deltaShare}× bare`,
      met: mesh.result.rate >= MILLION_TARGETS.deltaShare * bare.result.rate,
    });
  } else {
    rows.push(
      unavailableRow('delta answer after one change (GET /nodes?since=)', reason, `≥ ${MILLION_TARGETS.deltaShare}× bare`),
    );
  }
  const { walk } = delta;
  if (walk) {
    rows.push({
      figure: `full paged walk (GET /nodes?limit=&after=, ${formatCount(walk.pages)} pages, ${formatCount(walk.nodes)} nodes, ${formatBytes(walk.bytes)})`,
      measured: formatMs(walk.meshMs),
      limit: `${formatMs(walk.bareMs)} bare, same pages`,
      ratio: ratioOf(walk.meshMs, walk.bareMs),
      target: '— (beside the bare server)',
      met: null,
    });
  } else {
    rows.push(unavailableRow('full paged walk (GET /nodes?limit=&after=)', reason, '— (beside the bare server)'));
  }
  return rows;
}

/** The longest event-loop stall over the two refreshes measured. */
const uptimeStallMs = (uptime: UptimeRefreshFigures) => Math.max(uptime.longestStallMs, uptime.second.longestStallMs);
const uptimeFellBack = (uptime: UptimeRefreshFigures) => uptime.fellBack || uptime.second.fellBack;

/** The minutely uptime refresh: how long it runs, and how little of it is the main thread's. */
function uptimeRows(uptime: UptimeRefreshFigures, size: string): Row[] {
  const stallMs = uptimeStallMs(uptime);
  return [
    {
      figure: `${size} nodes: one uptime refresh, the first after start (every node's figures from the week's rollup, on the uptime thread)`,
      measured: formatMs(uptime.ms),
      limit: `${formatMs(UPTIME_REFRESH_MS)} (the refresh interval)`,
      ratio: ratioOf(uptime.ms, UPTIME_REFRESH_MS),
      target: '— (beside its interval)',
      met: null,
    },
    {
      figure: `${size} nodes: longest event-loop stall during the first two uptime refreshes (main thread CPU ${formatMs(uptime.mainThreadMs)} / ${formatMs(uptime.second.mainThreadMs)})`,
      measured: formatMs(stallMs),
      limit: `${formatMs(uptime.ms)} (the first refresh)`,
      ratio: ratioOf(stallMs, uptime.ms),
      target: `≤ ${formatMs(MILLION_TARGETS.stallMs)}`,
      met: stallMs <= MILLION_TARGETS.stallMs && !uptimeFellBack(uptime),
    },
  ];
}

/** The table's rows and the notes, in the order they are printed. */
export function millionReport(all: MillionFigures, machine: MachineInfo): { rows: Row[]; notes: string[] } {
  const { startup, sweep, day, scale } = all;
  const size = formatCount(scale);
  const rows: Row[] = [];
  const tableReadMs = tableReadMsOf(startup);
  rows.push({
    figure: `${size} nodes: start-up, spawn to first answered GET /health`,
    measured: formatMs(startup.startupMs),
    limit: `${formatMs(tableReadMs)} (a fresh process reading nodes and services once)`,
    ratio: ratioOf(startup.startupMs, tableReadMs),
    target: `≤ ${MILLION_TARGETS.startupShare}× the table read`,
    met: startup.startupMs <= MILLION_TARGETS.startupShare * tableReadMs,
  });
  const rss = rssOf(startup);
  rows.push({
    figure: `${size} nodes: resident memory after start / after a full GET /nodes?status=active`,
    measured: `${formatBytes(startup.rssAfterStart)} / ${formatBytes(startup.rssAfterAnswer)}`,
    limit: `${formatBytes(startup.fullAnswer.bytes)} (the full answer, in ${formatMs(startup.fullAnswer.ms)})`,
    ratio: ratioOf(rss, startup.fullAnswer.bytes),
    target: `≤ ${MILLION_TARGETS.rssShare}× the answer's bytes`,
    met: rss <= MILLION_TARGETS.rssShare * startup.fullAnswer.bytes,
  });
  rows.push(...heartbeatRows(all, size));
  rows.push({
    figure: `${size} nodes: one sweeper pass (${formatCount(sweep.wentOffline)} → offline), its decisions committed`,
    measured: formatMs(sweep.passMs),
    limit: `${formatMs(sweep.bare.nodesMs)} (bare SQL scan of the active nodes)`,
    ratio: ratioOf(sweep.passMs, sweep.bare.nodesMs),
    target: `≤ ${formatMs(MILLION_TARGETS.sweepMs)}`,
    met: sweep.passMs <= MILLION_TARGETS.sweepMs,
  });
  rows.push({
    figure: `${size} nodes: the history pruning after it (${formatCount(sweep.heartbeatsDeleted)} heartbeat rows, a batch per transaction)`,
    measured: formatMs(sweep.pruneMs),
    limit: `${formatMs(sweep.bare.heartbeatsMs)} (bare SQL scan of the same rows)`,
    ratio: ratioOf(sweep.pruneMs, sweep.bare.heartbeatsMs),
    target: '—',
    met: null,
  });
  rows.push({
    figure: `${size} nodes: longest event-loop stall during the pass and its pruning`,
    measured: formatMs(sweep.longestStallMs),
    limit: `${formatMs(sweep.ms)} (the pass and its pruning)`,
    ratio: ratioOf(sweep.longestStallMs, sweep.ms),
    target: `≤ ${formatMs(MILLION_TARGETS.stallMs)}`,
    met: sweep.longestStallMs <= MILLION_TARGETS.stallMs,
  });
  rows.push(...uptimeRows(all.uptime, size));
  rows.push(...deltaRows(all.delta));
  const growth = growthPerDay(day, scale);
  rows.push({
    figure: `${size} nodes: database growth per day of heartbeats (extrapolated from ${formatCount(day.sample)} nodes)`,
    measured: `${formatGigabytes(growth)} a day`,
    limit: `${formatGigabytes(all.dbBytes)} (the seeded database)`,
    ratio: ratioOf(growth, all.dbBytes),
    target: `≤ ${formatGigabytes(MILLION_TARGETS.growthBytesPerDay)} a day`,
    met: growth <= MILLION_TARGETS.growthBytesPerDay,
  });
  rows.push({
    figure: `start-up after the simulated day, on its ${formatCount(day.sample)}-node sample (${formatBytes(day.after.usedBytes)})`,
    measured: formatMs(day.startupAfterMs),
    limit: `${formatMs(day.startupBeforeMs)} (the same sample before its day)`,
    ratio: ratioOf(day.startupAfterMs, day.startupBeforeMs),
    target: '— (beside the start-up before the day)',
    met: null,
  });
  return { rows, notes: millionNotes(all, machine) };
}

/** What holds each target still out of reach, from the figures themselves. */
export function limitingNotes(all: MillionFigures): string[] {
  const notes: string[] = [];
  const big = all.million.measured.result;
  const ref = all.reference.measured.result;
  const threads = all.million.threads;
  if (big.rate < MILLION_TARGETS.heartbeatsPerSecond && threads) {
    const verification = verificationCores(threads);
    const holder =
      threads.main >= 0.85
        ? `mesh's main thread, busy ${cores(threads.main)} of its one core while the verification thread used ${cores(verification)}: every SQL statement runs on it (@libsql/client's local driver is synchronous), beside HTTP parsing and answers`
        : `not mesh's main thread alone (${cores(threads.main)} of a core) nor verification (${cores(verification)}): the machine (${cores(all.million.measured.cpu.machine)} of 2 cores busy, the load generator ${cores(big.loaderCpu)})`;
    notes.push(
      `**heartbeats at scale: ${formatRate(big.rate)} against ${formatRate(MILLION_TARGETS.heartbeatsPerSecond)}, ${formatRatio(big.rate / MILLION_TARGETS.heartbeatsPerSecond)} of the target; held by ${holder}.** ` +
        `Ed25519 on one thread reached ${formatRate(all.verify.perSecond)} in this run, ${formatRatio(all.verify.perSecond / Math.max(1, big.rate))} the heartbeat rate: verification is not the limit.`,
    );
  }
  if (big.rate < MILLION_TARGETS.heartbeatShare * ref.rate) {
    notes.push(
      `**scale costs heartbeat throughput: ${formatRatio(big.rate / ref.rate)} of the same run's 1,000-node figure (target ${MILLION_TARGETS.heartbeatShare}×).** At 1,000 keys the node and signer-clock rows a batch touches stay in SQLite's page cache; spread over ${formatCount(all.scale)} nodes each batch reads and writes pages all over B-trees of a million rows (nodes, signer_clocks, the uptime rollup, the heartbeat index).`,
    );
  }
  const tableReadMs = tableReadMsOf(all.startup);
  if (all.startup.startupMs > MILLION_TARGETS.startupShare * tableReadMs) {
    notes.push(
      `**start-up: ${formatMs(all.startup.startupMs)}, ${formatRatio(all.startup.startupMs / tableReadMs)} the table read (target ${MILLION_TARGETS.startupShare}×).** mesh builds every node's view and uptime figures in memory before it answers; the table read is what any start-up that holds the nodes must pay.`,
    );
  }
  const rss = rssOf(all.startup);
  if (rss > MILLION_TARGETS.rssShare * all.startup.fullAnswer.bytes) {
    notes.push(
      `**resident memory: ${formatBytes(rss)}, ${formatRatio(rss / all.startup.fullAnswer.bytes)} the full answer's ${formatBytes(all.startup.fullAnswer.bytes)} (target ${MILLION_TARGETS.rssShare}×).** mesh holds every node's view in memory (the registry snapshot) and V8 keeps the heap it grew while serialising the answer.`,
    );
  }
  if (all.sweep.passMs > MILLION_TARGETS.sweepMs || all.sweep.longestStallMs > MILLION_TARGETS.stallMs) {
    notes.push(
      `**sweeper pass: ${formatMs(all.sweep.passMs)} (target ${formatMs(MILLION_TARGETS.sweepMs)}), then ${formatMs(all.sweep.pruneMs)} of history pruning; the event loop held for up to ${formatMs(all.sweep.longestStallMs)} (target ${formatMs(MILLION_TARGETS.stallMs)}).** The local driver runs every statement on the main thread: the pass lets the event loop turn between its steps, but a step (the count of active nodes, 500 offline marks, the commit with its events published) is one synchronous piece. Bare scans of the same rows took ${formatMs(all.sweep.bare.nodesMs)} (nodes) and ${formatMs(all.sweep.bare.heartbeatsMs)} (history).`,
    );
  }
  if (all.sweep.heartbeatsDeleted > 0) {
    notes.push(
      `**history pruning: ${formatCount(all.sweep.heartbeatsDeleted)} heartbeat rows in ${formatMs(all.sweep.pruneMs)}, after the pass.** Each row deleted rewrites about one page of the per-node history index (heartbeats_node_time_idx, which the history answers need), so a batch of ${formatCount(HEARTBEAT_PRUNE_BATCH)} rows writes about as many pages to the WAL and its checkpoint copies them back: some 20 µs of main-thread work a row however the rows are batched. Small batches, each with its checkpoint, bound the stall, not the sum.`,
    );
  }
  if (uptimeStallMs(all.uptime) > MILLION_TARGETS.stallMs || uptimeFellBack(all.uptime)) {
    notes.push(
      uptimeFellBack(all.uptime)
        ? `**uptime refresh: the uptime thread failed, and the figures were computed on the main thread (the event loop held for up to ${formatMs(uptimeStallMs(all.uptime))}).**`
        : `**uptime refresh: the event loop held for up to ${formatMs(uptimeStallMs(all.uptime))} (target ${formatMs(MILLION_TARGETS.stallMs)}).** The rollup is read and counted on the uptime thread, which hands the main thread only the nodes whose figures changed; the main thread's CPU over the two refreshes was ${formatMs(all.uptime.mainThreadMs)} and ${formatMs(all.uptime.second.mainThreadMs)} (its timers included). A longer stall is a collection of the main thread's heap (the registry of ${formatCount(all.uptime.nodes)} nodes) falling inside the refresh, or a machine short of cores.`,
    );
  }
  const growth = growthPerDay(all.day, all.scale);
  if (growth > MILLION_TARGETS.growthBytesPerDay) {
    const perNode = growthPerNodeDay(all.day);
    notes.push(
      `**history growth: ${formatGigabytes(growth)} a day at ${formatCount(all.scale)} nodes (target ${formatGigabytes(MILLION_TARGETS.growthBytesPerDay)}), ${formatRatio(growth / MILLION_TARGETS.growthBytesPerDay)} the target**: ${formatBytes(perNode)} per node and day` +
        (growthByTable(all.day).length > 0
          ? `, by table and its indexes: ${describeGrowthByTable(all.day)} (node_uptime_hours: 24 rows per node and day, kept for MESH_UPTIME_RETENTION_MS; heartbeats: the raw window of MESH_HEARTBEAT_RETENTION_MS filling once, not again each day).`
          : '.'),
    );
  }
  return notes;
}

export function millionNotes(all: MillionFigures, machine: MachineInfo): string[] {
  const { day, sweep, startup } = all;
  const notes: string[] = [...limitingNotes(all)];
  notes.push(describeLoad(all.million.measured.result.label, all.million.measured, true));
  notes.push(describeLoad(all.reference.measured.result.label, all.reference.measured, true));
  if (!('unavailable' in all.etcd)) notes.push(describeLoad(all.etcd.measured.result.label, all.etcd.measured, true));
  notes.push(
    `heartbeats persisted at 1,000 nodes: ${formatCount(all.referencePersisted)} rows for ${formatCount(all.reference.measured.result.okTotal)} answers 200 (warm-up included)` +
      (all.referencePersisted === all.reference.measured.result.okTotal
        ? ': every accepted heartbeat was committed.'
        : ': **they differ**.'),
  );
  if (all.delta.delta) {
    notes.push(describeLoad('delta after one change, mesh', all.delta.delta.mesh, true));
    notes.push(describeLoad('delta after one change, bare server (limit)', all.delta.delta.bare, true));
  }
  notes.push(
    `seed: ${formatCount(all.scale)} active nodes, two services each, a replay clock per key, the current hour of the uptime rollup (a lived-in database holds ${formatCount(all.scale * 24)} rollup rows a day more), one recent heartbeat row per node and ${formatCount(all.expiredHeartbeats)} past retention (what one 30 s pass finds at steady state), 0.1 % of the nodes silent for 10 minutes; ` +
      `written by SQLite itself in one transaction over mesh's migrations in ${formatMs(all.seedMs)}, ${formatGigabytes(all.dbBytes)}. ${formatCount(all.keyed)} nodes, one in ${formatCount(all.scale / Math.max(1, all.keyed))} over the whole id range, have real Ed25519 keys; the others random public keys that nothing verifies.`,
  );
  notes.push(
    `start-up and memory: mesh spawned with node + tsx as \`npm start\` runs it (with MESH_OFFLINE_AFTER_MS=3600000: only the keyed sample heartbeats, and the rest must not all go silent mid-run), timed to its first answered GET /health; the limit is a fresh node + tsx process reading every row of nodes (${formatCount(startup.tableRead.nodes)} rows, ${formatMs(startup.tableRead.nodesMs)}) and services (${formatCount(startup.tableRead.services)}, ${formatMs(startup.tableRead.servicesMs)}) through @libsql/client. ` +
      `Resident memory from /proc (VmRSS); peak ${formatBytes(startup.peakRss)} (VmHWM). The full answer was counted as it streamed, not held.`,
  );
  notes.push(
    `heartbeats: closed loop over REST from a separate process, 50 connections, pre-signed (${formatCount(all.million.presigned)} at scale, ${formatCount(all.reference.presigned)} at 1,000 nodes) round-robin over the keys; at scale the ${formatCount(all.million.keys)} keyed nodes are spread evenly over the whole id range, so each batch touches rows all over the tables. ` +
      'CPU per thread from /proc/<pid>/task: the main thread is the one whose id is the process id; the verification thread is the busiest other one (mesh runs one on 2 cores, MESH_VERIFY_THREADS); "other" is V8\'s garbage-collector helpers and libuv\'s pool.',
  );
  notes.push(
    `sweeper: sweepOnce, the function the running server calls every MESH_SWEEP_INTERVAL_MS, timed in its two halves (sweepPass: the pass's decisions in one fenced transaction, committed and published; then pruneAfterPass: the history rows and nodes' uptime hours it found past retention, deleted a fenced batch per transaction), on a mesh made by createMesh over a copy of the database as seeded (the running mesh's own sweeper prunes the original), its clock one offline threshold after its start; the pass starts ${formatMs(SWEEP_SETTLE_MS)} after createMesh returned, as a running server's first pass comes a sweep interval after its start (without it the pass met start-up's garbage collection); the longest stall is monitorEventLoopDelay's maximum in that process over both halves. ` +
      `Bare scans on a connection of their own, before the pass: the active nodes heard within the threshold (${formatCount(sweep.bare.nodes)} active rows, ${formatMs(sweep.bare.nodesMs)}) and the history rows past retention (${formatCount(sweep.bare.heartbeats)}, ${formatMs(sweep.bare.heartbeatsMs)}).`,
  );
  notes.push(
    `uptime: refreshUptime, the function the sweeper calls every minute, on a mesh made by createMesh over the database the scale run used (which computed every node's figures once as it started), its clock moved on a minute before each refresh; the figure is the first minutely refresh, the stall judged over it and the second (${formatMs(all.uptime.second.ms)}, longest stall ${formatMs(all.uptime.second.longestStallMs)}, main thread ${formatMs(all.uptime.second.mainThreadMs)}). The longest stall is monitorEventLoopDelay's maximum in that process while the refresh ran, the main thread's CPU from /proc/<pid>/task/<pid>/stat.`,
  );
  const perNodeDay = growthPerNodeDay(day);
  const rows = Object.entries(day.after.rows)
    .map(([table, n]) => `${table} ${formatCount(day.before.rows[table] ?? 0)} → ${formatCount(n)}`)
    .join(', ');
  notes.push(
    `simulated day (extrapolated linearly, not a day of a million): ${formatCount(day.sample)} nodes seeded as the million is; mesh's clock advanced 2 minutes at a time for 24 hours; each interval every node's heartbeat went through recordHeartbeats (the SQL mesh runs for a verified batch, in batches of 250 spread over the interval, ${formatCount(day.heartbeats)} in all), and every 30 minutes a sweeper pass (sweepOnce, the configured retention) ran; took ${formatMs(day.simulateMs)}. ` +
      `Pages in use ${formatBytes(day.before.usedBytes)} → ${formatBytes(day.after.usedBytes)} (${formatBytes(perNodeDay)} per node and day${growthByTable(day).length > 0 ? `, of which ${describeGrowthByTable(day)}` : ''}; rows: ${rows}); × ${formatCount(all.scale)} nodes gives the growth above. ` +
      `Start-up was measured on the sample before and after its day, not at scale: a day of a million (${formatGigabytes(growthPerDay(day, all.scale))} by this extrapolation) cannot be written in a benchmark run, and scaling a start-up difference of a few milliseconds would only scale noise.`,
  );
  if (all.delta.unavailable) {
    notes.push(
      `delta and paged walk: ${all.delta.unavailable}. The figure code asks GET /nodes?status=active&limit=1 for a revision, makes one change (a signed heartbeat from a new address), then GET /nodes?status=active&since=<revision>, and walks GET /nodes?status=active&limit=1000&after=<id>; it measures once the server has that API.`,
    );
  }
  if (all.noisy.length > 0) {
    notes.push(
      `the machine was not quiet before: ${all.noisy.join('; ')}. Other work shares its ${machine.nproc} cores with the benchmark; those figures are lower than a quiet machine gives, and each stands beside its limit measured in the same minutes.`,
    );
  }
  notes.push(
    `reproduce: \`npm ci && npm run bench -- --scale ${all.scale}\` (etcd from Debian's etcd-server package; without it that figure is skipped).`,
  );
  return notes;
}

/** One row of the section's history table. */
export function millionHistoryRow(machine: MachineInfo, all: MillionFigures): string {
  const big = all.million.measured.result;
  const ref = all.reference.measured.result;
  const etcd = 'unavailable' in all.etcd ? 'n/a' : formatRate(all.etcd.measured.result.rate);
  const tableReadMs = tableReadMsOf(all.startup);
  const delta = all.delta.delta
    ? formatRatio(ratioOf(all.delta.delta.mesh.result.rate, all.delta.delta.bare.result.rate))
    : 'n/a';
  const cells = [
    `${machine.date.slice(0, 16).replace('T', ' ')}, ${machine.commit}`,
    `${formatRate(big.rate)} p99 ${formatMs(big.latency.p99)} / ${formatRate(ref.rate)} / ${etcd}`,
    `${formatMs(all.startup.startupMs)} (${formatRatio(ratioOf(all.startup.startupMs, tableReadMs))})`,
    `${formatBytes(all.startup.rssAfterStart)} / ${formatBytes(all.startup.rssAfterAnswer)} for ${formatBytes(all.startup.fullAnswer.bytes)}`,
    `${formatMs(all.sweep.ms)} / ${formatMs(all.sweep.longestStallMs)}`,
    delta,
    formatGigabytes(growthPerDay(all.day, all.scale)),
  ];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

export const MILLION_START = '<!-- a million nodes: written by npm run bench -- --scale 1000000 -->';
export const MILLION_END = '<!-- end of a million nodes -->';
const HISTORY_HEADER = [
  '| run | heartbeats/s at scale, p99 / at 1,000 / etcd | start-up (÷ table read) | RSS start / after full answer, for its bytes | sweeper pass / longest stall | delta ÷ bare | growth a day |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];

/** The history rows of the section already in `page` (kept by every run). */
export function keptMillionHistory(page: string): string[] {
  const start = page.indexOf(MILLION_START);
  const end = page.indexOf(MILLION_END);
  if (start < 0 || end < start) return [];
  const section = page.slice(start, end).split('\n');
  const header = section.indexOf(HISTORY_HEADER[0]!);
  if (header < 0) return [];
  const rows: string[] = [];
  for (const line of section.slice(header + 2)) {
    if (!line.startsWith('| ')) break;
    rows.push(line);
  }
  return rows;
}

export function millionSection(
  machine: MachineInfo,
  scale: number,
  rows: readonly Row[],
  notes: readonly string[],
  history: readonly string[],
): string {
  return [
    MILLION_START,
    '## A million nodes',
    '',
    `Written by \`npm run bench -- --scale ${scale}\`: mesh over ${formatCount(scale)} registered, active nodes seeded straight into its database, each figure beside its limit measured in the same run. Targets come from issue 15; they are benchmark figures, never assertions in tests.`,
    '',
    `- date: ${machine.date}; ${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}; mesh commit measured: ${machine.commit}`,
    '',
    markdownTable(rows),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
    '### History at scale',
    '',
    ...HISTORY_HEADER,
    ...history,
    MILLION_END,
  ].join('\n');
}

/**
 * `page` with its scale section replaced by `section`; without one yet, the section goes before
 * "## Soak" (below the history marker, so the usual run keeps it), else at the end.
 */
export function replaceMillionSection(page: string, section: string): string {
  const start = page.indexOf(MILLION_START);
  const end = page.indexOf(MILLION_END);
  if (start >= 0 && end > start) return page.slice(0, start) + section + page.slice(end + MILLION_END.length);
  const soak = page.indexOf('\n## Soak');
  if (soak >= 0) return `${page.slice(0, soak + 1)}${section}\n\n${page.slice(soak + 1)}`;
  return `${page.replace(/\n*$/, '\n\n')}${section}\n`;
}
