/** The wait before retry number `attempt` (1, 2, ...): doubling from `baseMs` up to `maxMs`, with jitter so clients spread out. */
export function backoffDelay(attempt: number, maxMs: number, baseMs = 250): number {
  return Math.min(baseMs * 2 ** (attempt - 1), maxMs) * (0.5 + Math.random() / 2);
}
