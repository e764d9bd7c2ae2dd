import type { UptimeFigures } from '../../shared/responses.js';

/**
 * A page of uptime figures as the registry takes them: the node ids, and the figures as numbers in
 * one buffer (transferred from the uptime thread, not copied), null as NaN, UPTIME_FIELDS numbers a node.
 * Comparing numbers in place lets a refresh that changes little allocate little on the main thread.
 */
export interface EncodedUptimePage {
  ids: string[];
  numbers: Float64Array<ArrayBuffer>;
}

/** Numbers per node in a page. */
export const UPTIME_FIELDS = 7;
const toNumber = (value: number | null) => (value === null ? Number.NaN : value);
const fromNumber = (value: number) => (Number.isNaN(value) ? null : value);
const same = (value: number | null, encoded: number) => (value === null ? Number.isNaN(encoded) : value === encoded);

export function encodeUptimePage(ids: string[], figures: readonly UptimeFigures[]): EncodedUptimePage {
  const numbers = new Float64Array(ids.length * UPTIME_FIELDS);
  figures.forEach(({ uptime, reputation }, index) => {
    numbers.set(
      [uptime.hour, uptime.day, uptime.week, uptime.missed, uptime.regularity, uptime.firstSeen, reputation].map(toNumber),
      index * UPTIME_FIELDS,
    );
  });
  return { ids, numbers };
}

/** The figures of the page's node at `index`. */
export function figuresAt({ numbers }: EncodedUptimePage, index: number): UptimeFigures {
  const at = (field: number) => fromNumber(numbers[index * UPTIME_FIELDS + field] as number);
  return {
    uptime: { hour: at(0), day: at(1), week: at(2), missed: at(3) as number, regularity: at(4), firstSeen: at(5) },
    reputation: at(6),
  };
}

/** Whether the page gives the node at `index` exactly `figures`. */
export function sameFiguresAt({ numbers }: EncodedUptimePage, index: number, figures: UptimeFigures): boolean {
  const base = index * UPTIME_FIELDS;
  const { uptime } = figures;
  return (
    same(uptime.hour, numbers[base] as number) &&
    same(uptime.day, numbers[base + 1] as number) &&
    same(uptime.week, numbers[base + 2] as number) &&
    same(uptime.missed, numbers[base + 3] as number) &&
    same(uptime.regularity, numbers[base + 4] as number) &&
    same(uptime.firstSeen, numbers[base + 5] as number) &&
    same(figures.reputation, numbers[base + 6] as number)
  );
}
