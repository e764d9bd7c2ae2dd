/**
 * Resolves once `check` holds, checking again every few milliseconds. For conditions nothing
 * announces (another process's writes, a server letting go of a connection); the deadline is only
 * there to fail with a message that names the condition instead of the test's bare timeout.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`still waiting, after ${timeoutMs} ms, for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A list that fills in the background (messages of a stream); `atLeast(n)` resolves as soon as it holds n items. */
export class Arrivals<T> {
  readonly items: T[] = [];
  #waiters: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async atLeast(count: number): Promise<T[]> {
    while (this.items.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.items;
  }
}
