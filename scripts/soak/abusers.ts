/**
 * The abusive clients, all from their own loopback address: a WebSocket that subscribes to
 * events.watch again and again and never reads, big tRPC batches of node.list, and a registrar
 * sending fresh registrations as fast as mesh answers. None honours 429 or Retry-After.
 */
import WebSocket from 'ws';
import { errorCode, loopbackPool, sleep, Tally } from './http.js';
import type { AbuseJob, AbuseResult } from './jobs.js';
import { freshRegistration } from './registrations.js';
import { OPEN_TIMEOUT_MS, parseWsMessage, subscribeMessage, trpcWsUrl } from './watchers.js';

const FLOOD_CONNECTIONS = 4;

/** Opens the socket, subscribes `job.wsSubscriptions` times, pauses it; the returned function reads what came and closes. */
export async function subscribeWithoutReading(job: AbuseJob): Promise<() => Promise<AbuseResult['wsSubscriber']>> {
  const outcome: AbuseResult['wsSubscriber'] = { opened: false, sent: 0, started: 0, errors: {}, closed: null };
  const socket = new WebSocket(trpcWsUrl(job.origin), { localAddress: job.localAddress, handshakeTimeout: OPEN_TIMEOUT_MS });
  let lastDataAt = performance.now();
  socket.on('message', (data: Buffer) => {
    lastDataAt = performance.now();
    // It never answers PING either: an abuser, not a client that lost its way.
    const answer = parseWsMessage(data);
    if (answer === 'PING' || answer === null) return;
    if (answer.result?.type === 'started') outcome.started += 1;
    if (answer.error) {
      const code = answer.error.data?.code ?? answer.error.message ?? 'error';
      outcome.errors[code] = (outcome.errors[code] ?? 0) + 1;
    }
  });
  socket.on('close', (code, reason) => (outcome.closed = `${code}${reason.length > 0 ? ` ${reason.toString('utf8')}` : ''}`));
  socket.on('unexpected-response', (_req, res) => {
    outcome.closed = `upgrade refused: ${res.statusCode}`;
    socket.terminate();
  });
  socket.on('error', (error) => (outcome.closed ??= errorCode(error)));
  const opened = await new Promise<boolean>((resolve) => {
    socket.once('open', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  if (opened) {
    outcome.opened = true;
    for (let id = 1; id <= job.wsSubscriptions; id++) {
      socket.send(subscribeMessage(id));
      outcome.sent += 1;
    }
    socket.pause();
  }
  return async () => {
    lastDataAt = performance.now();
    socket.resume();
    const startedAt = performance.now();
    while (outcome.closed === null && performance.now() - lastDataAt < 1_000 && performance.now() - startedAt < 10_000) {
      await sleep(100);
    }
    socket.terminate();
    return outcome;
  };
}

/** One connection asking for `job.batchSize` node lists in one tRPC batch, again as soon as each answer is in. */
export async function sendBigBatches(job: AbuseJob, stop: AbortSignal): Promise<AbuseResult['batches']> {
  // It waits for each answer however long it takes (until the soak ends): one batch at a time.
  const pool = loopbackPool(job.origin, job.localAddress, 1, job.durationMs);
  const path = `/trpc/${Array.from({ length: job.batchSize }, () => 'node.list').join(',')}?batch=1`;
  const tally = new Tally();
  let bytes = 0;
  while (!stop.aborted) {
    try {
      const answer = await pool.request({ method: 'GET', path, signal: stop });
      tally.status(answer.statusCode);
      for await (const chunk of answer.body) bytes += (chunk as Buffer).length;
    } catch (error) {
      if (stop.aborted) break;
      tally.failure(error);
      await sleep(100);
    }
  }
  await pool.destroy();
  return { ...tally.counts(), bytes };
}

/** Registrations with fresh keys, FLOOD_CONNECTIONS at a time, until stopped or job.maxFloodRegistrations. */
export async function floodRegistrations(job: AbuseJob, stop: AbortSignal): Promise<AbuseResult['flood']> {
  const pool = loopbackPool(job.origin, job.localAddress, FLOOD_CONNECTIONS);
  const tally = new Tally();
  let next = 0;
  const loop = async () => {
    while (!stop.aborted && next < job.maxFloodRegistrations) {
      const body = JSON.stringify(freshRegistration('soak-flood', next++, job.network));
      try {
        const answer = await pool.request({
          method: 'POST',
          path: '/register',
          headers: { 'content-type': 'application/json' },
          body,
        });
        tally.status(answer.statusCode);
        await answer.body.dump();
      } catch (error) {
        if (stop.aborted) break;
        tally.failure(error);
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, loop));
  await pool.destroy();
  return tally.counts();
}
