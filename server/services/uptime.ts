import { setImmediate } from 'node:timers/promises';
import { and, asc, gt, gte, lte, sql } from 'drizzle-orm';
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

/** Adds the indices of the heartbeat intervals holding a minute set in an hour's bitmap. */
function addIntervals(into: Set<number>, row: { hour: number; low: number; high: number }, intervalMs: number): void {
  for (const [half, offset] of [
    [row.low, 0],
    [row.high, HALF],
  ] as const) {
    for (let bit = 0; bit < HALF; bit++) {
      if ((half >>> bit) & 1) into.add(Math.floor((row.hour * HOUR_MS + (offset + bit) * MINUTE_MS) / intervalMs));
    }
  }
}

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
  const intervalMs = Math.max(MINUTE_MS, settings.heartbeatIntervalMs);
  const current = Math.floor(settings.now / intervalMs);
  const observable = (index: number) => seen.has(index) || (index < current && meshUp.has(index));
  const windows = Object.fromEntries(
    Object.entries(UPTIME_WINDOWS).map(([name, length]) => {
      if (firstSeen === null) return [name, { seen: 0, observable: 0 }];
      const first = Math.max(Math.ceil((settings.now - length) / intervalMs), Math.floor(firstSeen / intervalMs));
      let seenCount = 0;
      let observableCount = 0;
      for (let index = first; index <= current; index++) {
        if (seen.has(index)) seenCount += 1;
        if (observable(index)) observableCount += 1;
      }
      return [name, { seen: seenCount, observable: observableCount }];
    }),
  ) as Record<keyof typeof UPTIME_WINDOWS, { seen: number; observable: number }>;

  // Regularity: of the day's seen intervals followed by an observable one, the share followed by a seen one.
  let pairs = 0;
  let kept = 0;
  const dayStart = Math.ceil((settings.now - UPTIME_WINDOWS.day) / intervalMs);
  for (const index of seen) {
    if (index < dayStart || !observable(index + 1)) continue;
    pairs += 1;
    if (seen.has(index + 1)) kept += 1;
  }
  const uptime: NodeUptime = {
    hour: share(windows.hour.seen, windows.hour.observable),
    day: share(windows.day.seen, windows.day.observable),
    week: share(windows.week.seen, windows.week.observable),
    missed: windows.day.observable - windows.day.seen,
    regularity: share(kept, pairs),
    firstSeen,
  };
  return { uptime, reputation: reputationOf(uptime) };
}

const PAGE = 2_000;

/**
 * Every node's uptime from the week's rollup: one read of mesh's hours, then a page of nodes at a
 * time (their first heartbeats, then their hours), so that the rows of a page are garbage once
 * counted and a large network's week is never held at once.
 */
export async function readUptimes(db: Db | Tx, settings: UptimeSettings): Promise<Map<string, UptimeFigures>> {
  const intervalMs = Math.max(MINUTE_MS, settings.heartbeatIntervalMs);
  const fromHour = Math.floor((settings.now - UPTIME_WINDOWS.week) / HOUR_MS);
  const meshUp = new Set<number>();
  const meshRows = await db
    .select({ hour: meshUptimeHours.hour, ...bitmapHalves(meshUptimeHours.minutes) })
    .from(meshUptimeHours)
    .where(gte(meshUptimeHours.hour, fromHour));
  for (const row of meshRows) addIntervals(meshUp, row, intervalMs);

  const figures = new Map<string, UptimeFigures>();
  let after: string | undefined;
  for (;;) {
    const page = await db
      .select({ id: nodes.id, firstSeen: nodes.firstSeen })
      .from(nodes)
      .where(after === undefined ? undefined : gt(nodes.id, after))
      .orderBy(asc(nodes.id))
      .limit(PAGE);
    const first = page[0];
    const last = page.at(-1);
    if (!first || !last) return figures;
    const hourRows = await db
      .select({ nodeId: nodeUptimeHours.nodeId, hour: nodeUptimeHours.hour, ...bitmapHalves(nodeUptimeHours.minutes) })
      .from(nodeUptimeHours)
      .where(
        and(gte(nodeUptimeHours.nodeId, first.id), lte(nodeUptimeHours.nodeId, last.id), gte(nodeUptimeHours.hour, fromHour)),
      );
    const seenByNode = new Map<string, Set<number>>();
    for (const row of hourRows) {
      let seen = seenByNode.get(row.nodeId);
      if (!seen) seenByNode.set(row.nodeId, (seen = new Set()));
      addIntervals(seen, row, intervalMs);
    }
    for (const row of page) {
      figures.set(row.id, computeUptime(seenByNode.get(row.id) ?? new Set(), meshUp, row.firstSeen, settings));
    }
    if (page.length < PAGE) return figures;
    after = last.id;
    // The local driver runs each statement on this thread: without a turn of the event loop between
    // pages, a million nodes' figures hold every request for the whole recomputation (seconds).
    await setImmediate();
  }
}
