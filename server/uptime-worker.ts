import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import * as schema from '../db/schema.js';
import { readUptimePages } from './services/uptime.js';
import { encodeUptimePage, UPTIME_FIELDS } from './registry/uptime-page.js';
import type { SentPage, UptimeThreadData, UptimeThreadReply, UptimeThreadRequest } from './uptime-thread.js';

/**
 * The uptime thread: every node's figures read and computed on a read connection of its own to the
 * database file (WAL lets it read beside mesh's writer), sent a page at a time with the nodes whose
 * figures changed since the last refresh apart, so that the main thread touches only those. The
 * next page is sent once the main thread has taken the last one, so pages never pile up there.
 */
const { url, settings, previous } = workerData as UptimeThreadData;
const port = parentPort;
if (!port) throw new Error('the uptime thread runs as a worker thread');

let taken: () => void = () => undefined;
port.on('message', (message: UptimeThreadRequest) => {
  if (message === 'next') taken();
});

/** Walks the last refresh's pages in id order beside this one's (both sorted by id): no index of a million ids. */
class PreviousFigures {
  #page = 0;
  #ids: string[] = [];
  #numbers: Float64Array = new Float64Array(0);
  #at = 0;

  /** Whether the node had exactly these figures (at `from` in `numbers`) in the last refresh. Ids must come in ascending order. */
  same(id: string, numbers: Float64Array, from: number): boolean {
    for (;;) {
      if (this.#at >= this.#ids.length) {
        const next = previous[this.#page++];
        if (!next) return false;
        this.#ids = next.ids.split('\n');
        this.#numbers = next.numbers;
        this.#at = 0;
        continue;
      }
      const candidate = this.#ids[this.#at] as string;
      if (candidate > id) return false;
      this.#at += 1;
      if (candidate < id) continue;
      const base = (this.#at - 1) * UPTIME_FIELDS;
      for (let field = 0; field < UPTIME_FIELDS; field++) {
        const before = this.#numbers[base + field] as number;
        const now = numbers[from + field] as number;
        if (before !== now && !(Number.isNaN(before) && Number.isNaN(now))) return false;
      }
      return true;
    }
  }
}

const client = createClient({ url });
try {
  const db = drizzle(client, { schema });
  const before = new PreviousFigures();
  await readUptimePages(db, settings, async (page) => {
    const { numbers } = encodeUptimePage(page.ids, page.figures);
    const changed = page.ids.flatMap((id, index) => (before.same(id, numbers, index * UPTIME_FIELDS) ? [] : [index]));
    const changedPage = encodeUptimePage(
      changed.map((index) => page.ids[index] as string),
      changed.map((index) => page.figures[index] as (typeof page.figures)[number]),
    );
    const sent: SentPage = { ids: page.ids.join('\n'), numbers };
    const next = new Promise<void>((resolve) => (taken = resolve));
    port.postMessage({ type: 'page', sent, changed: changedPage } satisfies UptimeThreadReply, [
      numbers.buffer,
      changedPage.numbers.buffer,
    ]);
    await next;
  });
  port.postMessage({ type: 'done' } satisfies UptimeThreadReply);
} finally {
  client.close();
}
