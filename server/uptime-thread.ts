import { Worker } from 'node:worker_threads';
import type { UptimeSettings } from './services/uptime.js';
import type { EncodedUptimePage } from './registry/uptime-page.js';

export type UptimeThreadRequest = 'next';
/**
 * A page as it crosses: the ids as one string, one per line (node ids hold no line break), which is
 * one string to copy between threads instead of thousands.
 */
export type UptimeThreadReply = { type: 'page'; ids: string; numbers: EncodedUptimePage['numbers'] } | { type: 'done' };

/**
 * The worker's entry: compiled JavaScript beside this file in dist/; from the source tree, Bun runs
 * the TypeScript itself, while Node's worker threads do not inherit tsx's loader and start through
 * a shim that registers it (as the signature verification threads do).
 */
function workerEntry(): URL {
  if (import.meta.url.endsWith('.js')) return new URL('./uptime-worker.js', import.meta.url);
  return new URL(process.versions.bun ? './uptime-worker.ts' : './uptime-worker.mjs', import.meta.url);
}

const WORKER_URL = workerEntry();

/**
 * Every node's uptime figures read and computed on a thread of its own, from the database file at
 * `url`, handed to `onPage` a page at a time on this thread. The local driver runs SQL on the
 * thread that calls it: at a million nodes the week's rollup took this thread for tens of seconds
 * a minute. Rejects if the thread fails before the last page (pages handed over stay handed over).
 */
export function readUptimesOnThread(
  url: string,
  settings: UptimeSettings,
  onPage: (page: EncodedUptimePage) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // No flags of the parent (such as --import of a .ts file): the worker loads its own loader.
    const worker = new Worker(WORKER_URL, { workerData: { url, settings }, execArgv: [] });
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (reply: UptimeThreadReply) => {
      if (reply.type === 'done') return settle();
      try {
        onPage({ ids: reply.ids.split('\n'), numbers: reply.numbers });
      } catch (error) {
        return settle(error as Error);
      }
      worker.postMessage('next' satisfies UptimeThreadRequest);
    });
    worker.on('error', (error) => settle(new Error('the uptime thread failed', { cause: error })));
    worker.on('exit', (code) => settle(new Error(`the uptime thread exited with code ${code} before its last page`)));
  });
}
