/** How long this process's event loop is held, for figures run in the benchmark's own process. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts watching the event loop: any timer due while the thread is held fires late by the stall.
 * `stop()` resolves with the longest stall since, in ms.
 */
export function watchEventLoop(): { stop(): Promise<number> } {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  return {
    async stop() {
      // Let the monitor's timer fire once more, so a stall at the very end is counted.
      await sleep(20);
      delay.disable();
      return delay.max / 1e6;
    },
  };
}
