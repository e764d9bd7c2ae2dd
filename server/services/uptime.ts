import { setImmediate } from 'node:timers/promises';
import { asc, gt, gte, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { NodeUptime, UptimeFigures } from '../../shared/responses.js';
import type { Db, Tx } from '../../db/database.js';
import { meshUptimeHours, nodes, nodeUptimeHours } from '../../db/schema.js';
import { HOUR_MS, MINUTE_MS } from './uptime-rollup.js';

export const UPTIME_WINDOWS = { hour: HOUR_MS, day: 24 * HOUR_MS, week: 7 * 24 * HOUR_MS } as const;

export interface UptimeSettings {
  now: number;
  /** MESH_HEARTBEAT_INTERVAL_MS: the interval in which one heartbeat is expected (at least a minute, the rollup's grain). */
  heartbeatIntervalMs: number;
}

// An hour's 60-bit bitmap read as two halves of 30 bits: JavaScript numbers hold 53 bits exactly.
const HALF = 30;
const bitmapHalves = (column: SQLiteColumn) => ({
  low: sql<number>`${column} & ${2 ** HALF - 1}`,
  high: sql<number>`${column} >> ${HALF}`,
});

interface HourRow {
  hour: number;
  low: number;
  high: number;
}

/**
 * Appends the indices of the heartbeat intervals holding a minute set in an hour's bitmap, in
 * ascending order and each once (rows come in ascending hours). The work is one step per minute
 * set, not one per interval of the week.
 */
function appendIntervals(into: number[], row: HourRow, intervalMs: number): void {
  for (const [half, offset] of [
    [row.low, 0],
    [row.high, HALF],
  ] as const) {
    for (let rest = half; rest !== 0;) {
      const lowest = rest & -rest;
      rest ^= lowest;
      const bit = 31 - Math.clz32(lowest);
      const index = Math.floor((row.hour * HOUR_MS + (offset + bit) * MINUTE_MS) / intervalMs);
      if (into.length === 0 || (into[into.length - 1] as number) < index) into.push(index);
    }
  }
}

/**
 * The seen intervals of a node's week as SQLite wrote it: per hour, in ascending order, the hour
 * (after `fromHour`) and the bitmap's two halves, all separated by single spaces.
 */
function intervalsOfWeek(hours: string, fromHour: number, intervalMs: number): number[] {
  const intervals: number[] = [];
  const row: HourRow = { hour: 0, low: 0, high: 0 };
  let value = 0;
  let field = 0;
  for (let at = 0; at <= hours.length; at++) {
    const code = at < hours.length ? hours.charCodeAt(at) : SPACE;
    if (code !== SPACE) {
      value = value * 10 + (code - ZERO);
      continue;
    }
    if (field === 0) row.hour = fromHour + value;
    else if (field === 1) row.low = value;
    else {
      row.high = value;
      appendIntervals(intervals, row, intervalMs);
    }
    field = (field + 1) % 3;
    value = 0;
  }
  return intervals;
}

const SPACE = 32;
const ZERO = 48;

const share = (seen: number, observable: number) => (observable === 0 ? null : seen / observable);

/**
 * Reputation, 0..100: the uptime of the week, day and hour weighted 50/30/20 (a window with no
 * observable interval takes the next longer one's value), times 0.75 + 0.25 × regularity. Null
 * until some interval was observable.
 */
export function reputationOf(uptime: NodeUptime): number | null {
  const week = uptime.week;
  if (week === null) return null;
  const day = uptime.day ?? week;
  const hour = uptime.hour ?? day;
  const weighted = 0.5 * week + 0.3 * day + 0.2 * hour;
  return Math.round(1000 * weighted * (0.75 + 0.25 * (uptime.regularity ?? 1))) / 10;
}

/**
 * The intervals in which mesh ran, before the one under way, counted once for every node: whether
 * it ran in an interval, and how many intervals it ran in over any range, each in constant time.
 */
export class MeshIntervals {
  readonly intervalMs: number;
  readonly current: number;
  readonly #base: number;
  readonly #up: Uint8Array;
  /** #before[j]: intervals with mesh up in [base, base + j). */
  readonly #before: Uint32Array;

  constructor(meshUp: Iterable<number>, settings: UptimeSettings) {
    this.intervalMs = Math.max(MINUTE_MS, settings.heartbeatIntervalMs);
    this.current = Math.floor(settings.now / this.intervalMs);
    // No window reaches further back than the week: intervals before it are never looked at.
    this.#base = Math.floor((Math.floor((settings.now - UPTIME_WINDOWS.week) / HOUR_MS) * HOUR_MS) / this.intervalMs);
    const length = Math.max(0, this.current - this.#base);
    this.#up = new Uint8Array(length);
    for (const index of meshUp) if (index >= this.#base && index < this.current) this.#up[index - this.#base] = 1;
    this.#before = new Uint32Array(length + 1);
    for (let j = 0; j < length; j++) this.#before[j + 1] = (this.#before[j] as number) + (this.#up[j] as number);
  }

  /** Whether mesh ran in `index`, an interval before the one under way. */
  up(index: number): boolean {
    return index >= this.#base && index < this.current && this.#up[index - this.#base] === 1;
  }

  /** Intervals in [from, to) in which mesh ran, counting only those before the one under way. */
  upBetween(from: number, to: number): number {
    const start = Math.min(Math.max(from, this.#base), this.current) - this.#base;
    const end = Math.min(Math.max(to, this.#base), this.current) - this.#base;
    return end > start ? (this.#before[end] as number) - (this.#before[start] as number) : 0;
  }
}

const WINDOW_NAMES = Object.keys(UPTIME_WINDOWS) as Array<keyof typeof UPTIME_WINDOWS>;

/**
 * A node's figures from its seen intervals (ascending, each once), in one pass over them: the work
 * follows what the node did, while mesh's own intervals are counted once for all nodes
 * (MeshIntervals). The same figures as counting interval by interval (computeUptime's definition).
 */
export function uptimeOfIntervals(
  seen: ArrayLike<number>,
  mesh: MeshIntervals,
  firstSeen: number | null,
  now: number,
): UptimeFigures {
  const { intervalMs, current } = mesh;
  const firsts = WINDOW_NAMES.map((name) =>
    firstSeen === null
      ? Number.POSITIVE_INFINITY
      : Math.max(Math.ceil((now - UPTIME_WINDOWS[name]) / intervalMs), Math.floor(firstSeen / intervalMs)),
  );
  const seenIn = [0, 0, 0];
  const seenWhileUp = [0, 0, 0];
  const dayStart = Math.ceil((now - UPTIME_WINDOWS.day) / intervalMs);
  let pairs = 0;
  let kept = 0;
  for (let k = 0; k < seen.length; k++) {
    const index = seen[k] as number;
    if (index <= current) {
      const up = index < current && mesh.up(index);
      for (let w = 0; w < 3; w++) {
        if (index < (firsts[w] as number)) continue;
        seenIn[w] = (seenIn[w] as number) + 1;
        if (up) seenWhileUp[w] = (seenWhileUp[w] as number) + 1;
      }
    }
    // Regularity: of the day's seen intervals followed by an observable one, the share followed by a seen one.
    if (index < dayStart) continue;
    const nextSeen = k + 1 < seen.length && seen[k + 1] === index + 1;
    if (nextSeen || mesh.up(index + 1)) {
      pairs += 1;
      if (nextSeen) kept += 1;
    }
  }
  const windows = WINDOW_NAMES.map((_, w) => {
    const first = firsts[w] as number;
    if (first === Number.POSITIVE_INFINITY) return { seen: 0, observable: 0 };
    const seenCount = seenIn[w] as number;
    // Observable: seen, or before the interval under way with mesh up; those both seen and up once.
    return { seen: seenCount, observable: seenCount + mesh.upBetween(first, current) - (seenWhileUp[w] as number) };
  });
  const [hour, day, week] = windows as [(typeof windows)[0], (typeof windows)[0], (typeof windows)[0]];
  const uptime: NodeUptime = {
    hour: share(hour.seen, hour.observable),
    day: share(day.seen, day.observable),
    week: share(week.seen, week.observable),
    missed: day.observable - day.seen,
    regularity: share(kept, pairs),
    firstSeen,
  };
  return { uptime, reputation: reputationOf(uptime) };
}

/**
 * A node's uptime from its seen intervals and mesh's: an interval is observable when mesh ran in it
 * or the node's heartbeat was recorded in it, from the node's first heartbeat on; the interval now
 * under way counts only once the node was seen in it.
 */
export function computeUptime(
  seen: ReadonlySet<number>,
  meshUp: ReadonlySet<number>,
  firstSeen: number | null,
  settings: UptimeSettings,
): UptimeFigures {
  const sorted = [...seen].sort((a, b) => a - b);
  return uptimeOfIntervals(sorted, new MeshIntervals(meshUp, settings), firstSeen, settings.now);
}

/** Nodes per page of the recomputation. */
export const UPTIME_PAGE = 2_000;

/** One page of figures, in node id order. */
export interface UptimePage {
  ids: string[];
  figures: UptimeFigures[];
}

/** Mesh's running intervals of the week, read once per recomputation. */
async function readMeshIntervals(db: Db | Tx, settings: UptimeSettings): Promise<MeshIntervals> {
  const intervalMs = Math.max(MINUTE_MS, settings.heartbeatIntervalMs);
  const fromHour = Math.floor((settings.now - UPTIME_WINDOWS.week) / HOUR_MS);
  const meshRows = await db
    .select({ hour: meshUptimeHours.hour, ...bitmapHalves(meshUptimeHours.minutes) })
    .from(meshUptimeHours)
    .where(gte(meshUptimeHours.hour, fromHour))
    .orderBy(asc(meshUptimeHours.hour));
  const meshUp: number[] = [];
  for (const row of meshRows) appendIntervals(meshUp, row, intervalMs);
  return new MeshIntervals(meshUp, settings);
}

/**
 * Every node's uptime from the week's rollup, a page of nodes at a time (their first heartbeats,
 * then their hours), handed to `onPage` as each is computed: the rows of a page are garbage once
 * counted, so a large network's week is never held at once. Between pages the event loop turns
 * (the local driver runs each statement on the calling thread).
 */
export async function readUptimePages(
  db: Db | Tx,
  settings: UptimeSettings,
  onPage: (page: UptimePage) => void | Promise<void>,
): Promise<void> {
  const mesh = await readMeshIntervals(db, settings);
  const fromHour = Math.floor((settings.now - UPTIME_WINDOWS.week) / HOUR_MS);
  let after: string | undefined;
  for (;;) {
    const page = await db
      .select({ id: nodes.id, firstSeen: nodes.firstSeen })
      .from(nodes)
      .where(after === undefined ? undefined : gt(nodes.id, after))
      .orderBy(asc(nodes.id))
      .limit(UPTIME_PAGE);
    const first = page[0];
    const last = page.at(-1);
    if (!first || !last) return;
    // A node's week comes as one row (its hours in order, three integers each), not one row per hour:
    // on a lived-in week, turning 168 rows a node into objects cost several times the counting. The
    // driver binds JavaScript numbers as REAL: the hour's offset is cast back, or it reads "12.0".
    const weeks = await db.all<{ nodeId: string; hours: string }>(sql`
      SELECT ${nodeUptimeHours.nodeId} AS nodeId,
             group_concat(CAST(${nodeUptimeHours.hour} - ${fromHour} AS INTEGER) || ' ' || (${nodeUptimeHours.minutes} & ${2 ** HALF - 1}) || ' ' || (${nodeUptimeHours.minutes} >> ${HALF}), ' ' ORDER BY ${nodeUptimeHours.hour}) AS hours
      FROM ${nodeUptimeHours}
      WHERE ${nodeUptimeHours.nodeId} >= ${first.id} AND ${nodeUptimeHours.nodeId} <= ${last.id} AND ${nodeUptimeHours.hour} >= ${fromHour}
      GROUP BY ${nodeUptimeHours.nodeId}`);
    const seenByNode = new Map<string, number[]>();
    for (const week of weeks) seenByNode.set(week.nodeId, intervalsOfWeek(week.hours, fromHour, mesh.intervalMs));
    await onPage({
      ids: page.map((row) => row.id),
      figures: page.map((row) => uptimeOfIntervals(seenByNode.get(row.id) ?? [], mesh, row.firstSeen, settings.now)),
    });
    if (page.length < UPTIME_PAGE) return;
    after = last.id;
    // Without a turn of the event loop between pages, a million nodes' figures computed on this
    // thread would hold every request for the whole recomputation (seconds).
    await setImmediate();
  }
}

/** Every node's uptime from the week's rollup, computed on the calling thread (readUptimePages). */
export async function readUptimes(db: Db | Tx, settings: UptimeSettings): Promise<Map<string, UptimeFigures>> {
  const figures = new Map<string, UptimeFigures>();
  await readUptimePages(db, settings, (page) => {
    page.ids.forEach((id, index) => figures.set(id, page.figures[index] as UptimeFigures));
  });
  return figures;
}
