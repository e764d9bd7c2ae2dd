import { Worker } from 'node:worker_threads';
import type { UptimeSettings } from './services/uptime.js';
import type { EncodedUptimePage } from './registry/uptime-page.js';
import { workerEntry } from './worker-entry.js';

/**
 * A page of every node's figures as the thread last sent it, kept by the main thread for the next
 * refresh: the ids as one string, one per line (node ids hold no line break: one string to copy
 * between threads instead of thousands), and the numbers (EncodedUptimePage's layout).
 */
export interface SentPage {
  ids: string;
  numbers: EncodedUptimePage['numbers'];
}

export type UptimeThreadRequest = 'next';
/** A page as it crosses: all its figures (to be kept for the next refresh), and those that changed since `previous`. */
export type UptimeThreadReply = { type: 'page'; sent: SentPage; changed: EncodedUptimePage } | { type: 'done' };

export interface UptimeThreadData {
  url: string;
  settings: UptimeSettings;
  previous: SentPage[];
}

const WORKER_URL = workerEntry('uptime-worker', import.meta.url);

/**
 * Every node's uptime figures read and computed on a thread of its own, from the database file at
 * `url`, handed to `onPage` a page at a time on this thread. The local driver runs SQL on the
 * thread that calls it: at a million nodes the week's rollup took this thread for tens of seconds
 * a minute. `previous` are the pages the last refresh sent (in id order; their buffers are handed
 * to the thread): the thread compares with them, and each page's `changed` holds only the nodes
 * whose figures differ from there, or that were not there. Rejects if the thread fails before the
 * last page (pages handed over stay handed over).
 */
export function readUptimesOnThread(
  url: string,
  settings: UptimeSettings,
  previous: SentPage[],
  onPage: (page: { sent: SentPage; changed: EncodedUptimePage }) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // No flags of the parent (such as --import of a .ts file): the worker loads its own loader.
    const worker = new Worker(WORKER_URL, {
      workerData: { url, settings, previous } satisfies UptimeThreadData,
      transferList: previous.map((page) => page.numbers.buffer),
      execArgv: [],
    });
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
        onPage(reply);
      } catch (error) {
        return settle(error as Error);
      }
      worker.postMessage('next' satisfies UptimeThreadRequest);
    });
    worker.on('error', (error) => settle(new Error('the uptime thread failed', { cause: error })));
    worker.on('exit', (code) => settle(new Error(`the uptime thread exited with code ${code} before its last page`)));
  });
}
