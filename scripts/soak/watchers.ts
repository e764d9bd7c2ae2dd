/**
 * Watchers of the event stream: SSE on GET /events and tRPC subscriptions to events.watch over a
 * WebSocket on /trpc. Some read everything; the stalled ones never read (their socket stays
 * paused), which is what a hung or overloaded client looks like to mesh.
 *
 * A paused socket does not notice that mesh closed it, so at the end every stalled watcher is
 * resumed and drained: a stream that then ends was cut by mesh; one that stays quiet and open
 * survived.
 */
import { request, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { errorCode, sleep } from './http.js';
import type { WatcherCounts } from './jobs.js';

/** A watcher mesh has not answered within this long counts as refused. */
export const OPEN_TIMEOUT_MS = 10_000;

export interface Watcher {
  readonly label: string;
  messages: number;
  ended: boolean;
  /** Set when the watcher reads (stalled ones at the end only): called on every chunk. */
  lastDataAt: number;
  resume(): void;
  close(): void;
}

export type Opened = { watcher: Watcher } | { refused: string };

/** Counts `data:` lines across chunks (a line may be split between two). */
function sseLineCounter(): (chunk: string) => number {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    return lines.filter((line) => line.startsWith('data:')).length;
  };
}

export type Transport = 'SSE' | 'WebSocket';

export function watcherLabel(transport: Transport, stalled: boolean): string {
  return stalled ? `${transport}, never reads` : transport;
}

export function openSse(origin: string, localAddress: string, stalled: boolean): Promise<Opened> {
  const label = watcherLabel('SSE', stalled);
  return new Promise((resolve) => {
    const req = request(new URL('/events', origin), { localAddress, agent: false, headers: { accept: 'text/event-stream' } });
    const timer = setTimeout(() => {
      resolve({ refused: `no answer in ${OPEN_TIMEOUT_MS / 1000} s` });
      req.destroy();
    }, OPEN_TIMEOUT_MS);
    req.on('error', (error) => resolve({ refused: errorCode(error) }));
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        res.resume();
        resolve({ refused: String(res.statusCode) });
        return;
      }
      const countLines = sseLineCounter();
      const watcher: Watcher = {
        label,
        messages: 0,
        ended: false,
        lastDataAt: performance.now(),
        resume() {
          res.on('data', (chunk: Buffer) => {
            watcher.lastDataAt = performance.now();
            watcher.messages += countLines(chunk.toString('utf8'));
          });
        },
        close() {
          req.destroy();
        },
      };
      const end = () => (watcher.ended = true);
      res.once('end', end);
      res.once('close', end);
      res.once('error', end);
      if (!stalled) watcher.resume();
      resolve({ watcher });
    });
    req.end();
  });
}

/** tRPC's WebSocket protocol, as its wsLink speaks it, with superjson's envelope for the input. */
export function subscribeMessage(id: number): string {
  return JSON.stringify({ id, method: 'subscription', params: { path: 'events.watch', input: { json: {} } } });
}

export interface WsAnswer {
  id?: number;
  result?: { type?: string };
  error?: { message?: string; data?: { code?: string } };
}

/**
 * A message from tRPC's WebSocket server: a JSON answer, or its keep-alive "PING" (a client that
 * does not answer "PONG" in time is disconnected); null for anything else.
 */
export function parseWsMessage(data: Buffer): WsAnswer | 'PING' | null {
  const text = data.toString('utf8');
  if (text === 'PING') return 'PING';
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : null;
  } catch {
    return null;
  }
}

export function trpcWsUrl(origin: string): string {
  return `${origin.replace(/^http/, 'ws')}/trpc`;
}

export function openWs(origin: string, localAddress: string, stalled: boolean): Promise<Opened> {
  const label = watcherLabel('WebSocket', stalled);
  return new Promise((resolve) => {
    const socket = new WebSocket(trpcWsUrl(origin), { localAddress, handshakeTimeout: OPEN_TIMEOUT_MS });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ refused: String(res.statusCode) });
      socket.terminate();
    });
    socket.once('error', (error) =>
      resolve({
        refused: error.message.includes('handshake has timed out')
          ? `no answer in ${OPEN_TIMEOUT_MS / 1000} s`
          : errorCode(error),
      }),
    );
    socket.once('open', () => {
      const watcher: Watcher = {
        label,
        messages: 0,
        ended: false,
        lastDataAt: performance.now(),
        resume() {
          socket.resume();
        },
        close() {
          socket.terminate();
        },
      };
      socket.on('message', (data: Buffer) => {
        watcher.lastDataAt = performance.now();
        const message = parseWsMessage(data);
        if (message === 'PING') socket.send('PONG');
        else if (message?.result?.type === 'data') watcher.messages += 1;
      });
      socket.once('close', () => (watcher.ended = true));
      socket.on('error', () => undefined);
      socket.send(subscribeMessage(1));
      if (stalled) socket.pause();
      resolve({ watcher });
    });
  });
}

/**
 * Resumes every watcher, waits until each has ended or been quiet for a second (ten seconds at
 * most, whatever mesh left in the socket buffers), then closes them all. Counts, into `counts`,
 * the ones mesh had cut.
 */
export async function drainAndClose(watchers: readonly Watcher[], counts: Record<string, WatcherCounts>): Promise<void> {
  for (const watcher of watchers) {
    watcher.lastDataAt = performance.now();
    watcher.resume();
  }
  const startedAt = performance.now();
  while (performance.now() - startedAt < 10_000) {
    const now = performance.now();
    if (watchers.every((watcher) => watcher.ended || now - watcher.lastDataAt > 1_000)) break;
    await sleep(100);
  }
  for (const watcher of watchers) {
    const entry = counts[watcher.label]!;
    if (watcher.ended) entry.cut += 1;
    else entry.open += 1;
    entry.messages += watcher.messages;
    watcher.close();
  }
}

/** Opens `count` watchers over `transport`, the first `stalled` of them never reading; tallies them into `counts`. */
export async function openWatchers(
  transport: Transport,
  count: number,
  stalled: number,
  open: (stalled: boolean) => Promise<Opened>,
  counts: Record<string, WatcherCounts>,
): Promise<Watcher[]> {
  const watchers: Watcher[] = [];
  const results = await Promise.all(Array.from({ length: count }, (_, index) => open(index < stalled)));
  results.forEach((result, index) => {
    const entry = (counts[watcherLabel(transport, index < stalled)] ??= { opened: 0, refused: {}, cut: 0, open: 0, messages: 0 });
    if ('watcher' in result) {
      watchers.push(result.watcher);
      entry.opened += 1;
    } else {
      entry.refused[result.refused] = (entry.refused[result.refused] ?? 0) + 1;
    }
  });
  return watchers;
}
