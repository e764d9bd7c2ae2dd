import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MeshContext } from '../context.js';
import type { Logger } from '../log.js';

/** One request and its answer, as the log and the metrics see them. */
export interface Exchange {
  readonly id: string;
  /** The route template that served the request (`/nodes/:id`), never the path itself: a bounded label. */
  route: string;
}

export const UNMATCHED_ROUTE = 'unmatched';

// A proxy's request id is kept when it looks like one; anything else gets ours.
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// Ids are unique per process and cheap: a random prefix and a counter.
const PROCESS_PREFIX = randomBytes(4).toString('hex');
let sequence = 0;

/**
 * Gives the request an id (answered as X-Request-Id) and, once the answer is done or the client
 * has gone, counts it and writes its log line: method, route template, status, duration, id. Never
 * the query or the body: nothing secret belongs in a log.
 */
export function beginExchange(
  mesh: Pick<MeshContext, 'config' | 'metrics'>,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Exchange {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : `${PROCESS_PREFIX}-${(++sequence).toString(36)}`;
  res.setHeader('x-request-id', id);
  const exchange: Exchange = { id, route: UNMATCHED_ROUTE };
  res.once('close', () => {
    const seconds = (performance.now() - started) / 1000;
    const method = req.method ?? 'GET';
    mesh.metrics.requestAnswered(method, exchange.route, res.statusCode, seconds);
    if (!mesh.config.logRequests) return;
    logger.info(`${method} ${exchange.route} ${res.statusCode}`, {
      method,
      route: exchange.route,
      status: res.statusCode,
      durationMs: Math.round(seconds * 1e6) / 1000,
      requestId: id,
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
  return exchange;
}
