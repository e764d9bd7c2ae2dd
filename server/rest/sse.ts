import type { ServerResponse } from 'node:http';
import type { WatchMessage } from '../../shared/events.js';
import { drained } from '../http/drained.js';

const SSE_KEEPALIVE_MS = 15_000;

/** One SSE frame: the id is the revision, so a reconnecting EventSource sends it back as Last-Event-ID. */
function sseFrame(message: WatchMessage): string {
  if (message.kind === 'reset') {
    return `id: ${message.revision}\nevent: reset\ndata: ${JSON.stringify({ revision: message.revision, reason: message.reason })}\n\n`;
  }
  return `id: ${message.event.revision}\nevent: ${message.event.type}\ndata: ${JSON.stringify(message.event)}\n\n`;
}

/**
 * Streams watch messages as text/event-stream, with a comment every SSE_KEEPALIVE_MS so idle
 * streams survive proxies. Writes wait for the socket to drain: a reader that stops reading stops
 * the stream, and the watcher's own bound then cuts it off.
 */
export async function streamEvents(
  res: ServerResponse,
  messages: AsyncIterable<WatchMessage>,
  revision: number,
  startsAfter: number,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-mesh-revision': String(revision),
  });
  // HEAD asks for the headers only: the watch is never started.
  if (res.req.method === 'HEAD') return void res.end();
  res.write(`retry: 2000\n: mesh events from revision ${startsAfter}\n\n`);
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  try {
    for await (const message of messages) {
      // A client that has gone ends the stream here, which ends the watch and frees its listener.
      if (res.destroyed) break;
      if (!res.write(sseFrame(message))) await drained(res);
    }
  } catch (error) {
    if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
  } finally {
    clearInterval(keepalive);
    res.end();
  }
}
