import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import * as schema from '../db/schema.js';
import { readUptimePages, type UptimeSettings } from './services/uptime.js';
import { encodeUptimePage } from './registry/uptime-page.js';
import type { UptimeThreadReply, UptimeThreadRequest } from './uptime-thread.js';

/**
 * The uptime thread: every node's figures read and computed on a read connection of its own to the
 * database file (WAL lets it read beside mesh's writer), sent a page at a time. The next page is
 * sent once the main thread has taken the last one, so pages never pile up there.
 */
const { url, settings } = workerData as { url: string; settings: UptimeSettings };
const port = parentPort;
if (!port) throw new Error('the uptime thread runs as a worker thread');

let taken: () => void = () => undefined;
port.on('message', (message: UptimeThreadRequest) => {
  if (message === 'next') taken();
});

const client = createClient({ url });
try {
  const db = drizzle(client, { schema });
  await readUptimePages(db, settings, async (page) => {
    const { numbers } = encodeUptimePage(page.ids, page.figures);
    const next = new Promise<void>((resolve) => (taken = resolve));
    port.postMessage({ type: 'page', ids: page.ids.join('\n'), numbers } satisfies UptimeThreadReply, [numbers.buffer]);
    await next;
  });
  port.postMessage({ type: 'done' } satisfies UptimeThreadReply);
} finally {
  client.close();
}
