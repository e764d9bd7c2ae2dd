/** The soak's judgements over what it sampled: pure functions of the samples. */

export interface MemorySample {
  /** Since the traffic started. */
  atMs: number;
  rssBytes: number;
}

export type Flatness =
  | { judged: false; reason: string }
  | { judged: true; flat: boolean; firstThirdMax: number; lastThirdMax: number; boundBytes: number };

/**
 * Flat when the highest sample of the last third is at most `boundBytes` above the highest of the
 * first third: a one-off peak early on (warming up, a burst) is allowed, steady growth is not.
 */
export function memoryFlatness(samples: readonly MemorySample[], boundBytes: number): Flatness {
  if (samples.length < 3) return { judged: false, reason: `${samples.length} samples: too few to compare thirds` };
  const third = Math.floor(samples.length / 3);
  const max = (part: readonly MemorySample[]) => Math.max(...part.map((sample) => sample.rssBytes));
  const firstThirdMax = max(samples.slice(0, third));
  const lastThirdMax = max(samples.slice(samples.length - third));
  return { judged: true, flat: lastThirdMax <= firstThirdMax + boundBytes, firstThirdMax, lastThirdMax, boundBytes };
}

/** Nearest-rank percentile of `values` (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface StoredHeartbeat {
  nodeId: string;
  /** When mesh received it (its own clock, the receivedAt of its answer). */
  timestamp: number;
}

/**
 * The acknowledged heartbeats missing from the stored ones. `acked` holds `nodeId<TAB>receivedAt`
 * as mesh answered; receivedAt is empty when the answer did not carry it, and then any row of that
 * node will do. Each stored row accounts for one acknowledgement only.
 */
export function lostHeartbeats(acked: readonly string[], stored: readonly StoredHeartbeat[]): string[] {
  const exact = new Map<string, number>();
  const byNode = new Map<string, number>();
  for (const row of stored) {
    const key = `${row.nodeId}\t${row.timestamp}`;
    exact.set(key, (exact.get(key) ?? 0) + 1);
    byNode.set(row.nodeId, (byNode.get(row.nodeId) ?? 0) + 1);
  }
  const [precise, vague] = [acked.filter((line) => !line.endsWith('\t')), acked.filter((line) => line.endsWith('\t'))];
  const lost: string[] = [];
  // Precise ones first: a row must not be spent on a vague acknowledgement when it is the only one a precise one matches.
  for (const line of precise) {
    const nodeId = line.slice(0, line.indexOf('\t'));
    if ((exact.get(line) ?? 0) === 0) {
      lost.push(line);
      continue;
    }
    exact.set(line, exact.get(line)! - 1);
    byNode.set(nodeId, byNode.get(nodeId)! - 1);
  }
  for (const line of vague) {
    const nodeId = line.slice(0, -1);
    if ((byNode.get(nodeId) ?? 0) === 0) lost.push(line);
    else byNode.set(nodeId, byNode.get(nodeId)! - 1);
  }
  return lost;
}
