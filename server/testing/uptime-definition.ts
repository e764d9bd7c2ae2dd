import type { NodeUptime, UptimeFigures } from '../../shared/responses.js';
import { reputationOf, UPTIME_WINDOWS } from '../services/uptime.js';

/** computeUptime's definition, counted interval by interval over every window (as mesh first did). */
export function uptimeByInterval(
  seen: ReadonlySet<number>,
  meshUp: ReadonlySet<number>,
  firstSeen: number | null,
  now: number,
  intervalMs: number,
) {
  const current = Math.floor(now / intervalMs);
  const observable = (index: number) => seen.has(index) || (index < current && meshUp.has(index));
  const count = (length: number) => {
    if (firstSeen === null) return { seen: 0, observable: 0 };
    const first = Math.max(Math.ceil((now - length) / intervalMs), Math.floor(firstSeen / intervalMs));
    let seenCount = 0;
    let observableCount = 0;
    for (let index = first; index <= current; index++) {
      if (seen.has(index)) seenCount += 1;
      if (observable(index)) observableCount += 1;
    }
    return { seen: seenCount, observable: observableCount };
  };
  const [hour, day, week] = [UPTIME_WINDOWS.hour, UPTIME_WINDOWS.day, UPTIME_WINDOWS.week].map(count) as Array<{
    seen: number;
    observable: number;
  }>;
  let pairs = 0;
  let kept = 0;
  const dayStart = Math.ceil((now - UPTIME_WINDOWS.day) / intervalMs);
  for (const index of seen) {
    if (index < dayStart || !observable(index + 1)) continue;
    pairs += 1;
    if (seen.has(index + 1)) kept += 1;
  }
  const share = (a: number, b: number) => (b === 0 ? null : a / b);
  const uptime: NodeUptime = {
    hour: share(hour!.seen, hour!.observable),
    day: share(day!.seen, day!.observable),
    week: share(week!.seen, week!.observable),
    missed: day!.observable - day!.seen,
    regularity: share(kept, pairs),
    firstSeen,
  };
  return { uptime, reputation: reputationOf(uptime) } satisfies UptimeFigures;
}
