import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, isTrackedEnvelope, type TRPCError } from '@trpc/server';
import { isPendingDecision } from '../../shared/decisions.js';
import type { WatchMessage } from '../../shared/events.js';
import { createContext, type MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { clientErrorView, retryAfterHeader } from '../trpc-errors.js';
import { readJsonBody } from '../http/body.js';
import { errorBody, sendJson } from '../http/json.js';
import type { Exchange } from '../http/exchange.js';
import type { Logger } from '../log.js';
import { createCaller } from '../routers/_app.js';
import { AnswerCache } from './answer-cache.js';
import { createRouteMatcher, type RouteMatch } from './match.js';
import { restRoutes, type RestRoute } from './routes.js';
import { streamEvents } from './sse.js';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* untracked(messages: AsyncIterable<unknown>): AsyncGenerator<WatchMessage> {
  for await (const message of messages) yield (isTrackedEnvelope(message) ? message[1] : message) as WatchMessage;
}

/** The revision an event stream starts after, for its greeting: Last-Event-ID wins over ?since, as in the watch. */
function streamStart(req: IncomingMessage, url: URL, current: number): number {
  const asked = [req.headers['last-event-id'], url.searchParams.get('since')].find(
    (value) => typeof value === 'string' && /^\d+$/.test(value),
  );
  return asked === undefined ? current : Number(asked);
}

function keptByVersion(route: RestRoute, query: URLSearchParams): boolean {
  const kept = route.keptByRegistryVersion;
  return typeof kept === 'function' ? kept(query) : kept === true;
}

function sendError(res: ServerResponse, error: TRPCError, headers?: Record<string, string>): void {
  const { meshCode, message, httpStatus } = clientErrorView(error);
  // A request whose body was refused unread leaves bytes on the socket: do not keep it alive.
  if (httpStatus === 413) res.shouldKeepAlive = false;
  sendJson(res, httpStatus, errorBody(meshCode, message), { ...retryAfterHeader(error), ...headers });
}

/**
 * Serves the documented REST paths by calling the tRPC procedures: what a procedure returns is the
 * response body (a stream of events is sent as SSE), what it throws becomes
 * `{success:false, error:{code, message}}` with the status tRPC gives its code.
 */
export function createRestHandler(mesh: MeshContext, logger: Logger) {
  const answers = new AnswerCache();
  const matchRoute = createRouteMatcher(restRoutes);
  const refuse = (res: ServerResponse, error: TRPCError, headers?: Record<string, string>) => {
    mesh.metrics.refused(clientErrorView(error).meshCode);
    sendError(res, error, headers);
  };
  return async (req: IncomingMessage, res: ServerResponse, url: URL, exchange?: Exchange): Promise<void> => {
    const method = req.method ?? 'GET';
    let match: RouteMatch;
    try {
      match = matchRoute(method, url.pathname);
    } catch (error) {
      return refuse(
        res,
        getTRPCErrorFromUnknown(new MeshError('INVALID_INPUT', 'the path is not valid URL encoding', { cause: error })),
      );
    }
    if (exchange && match.kind !== 'none') exchange.route = match.kind === 'found' ? match.route.path : match.path;
    const isRead = method === 'GET' || method === 'HEAD';
    const cacheKey = `${url.pathname}${url.search}`;
    // Read before the procedure runs: an answer kept under this version is at least as new as it.
    const version = isRead ? mesh.registry.answersVersion : 0;
    const kept = isRead ? answers.kept(cacheKey, version) : undefined;
    if (kept) return answers.send(req, res, kept);
    // Only a GET can be a stream (GET /events), and only a client that leaves before its answer is
    // complete aborts anything: no abort machinery for the thousands of POSTs a second.
    const disconnected = method === 'GET' ? new AbortController() : undefined;
    if (disconnected) {
      res.once('close', () => {
        if (!res.writableFinished) disconnected.abort();
      });
    }
    try {
      if (match.kind === 'none') throw new MeshError('ROUTE_NOT_FOUND', `no such path: ${method} ${url.pathname}`);
      if (match.kind === 'wrong-method') {
        const error = new MeshError('METHOD_NOT_ALLOWED', `${url.pathname} takes ${match.allowed.join(', ')}`);
        return refuse(res, getTRPCErrorFromUnknown(error), { allow: match.allowed.join(', ') });
      }
      const body = match.route.method === 'POST' ? await readJsonBody(req) : {};
      const context = createContext(mesh, {
        transport: 'rest',
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
        closeConnection: (reason) => {
          logger.info(`closing ${method} ${url.pathname} for ${req.socket.remoteAddress ?? '?'}: ${reason}`, {
            requestId: exchange?.id,
          });
          res.destroy();
        },
      });
      const api = createCaller(context, { signal: disconnected?.signal });
      const result = await match.route.call(api, { params: match.params, query: url.searchParams, headers: req.headers, body });
      if (isAsyncIterable(result))
        await streamEvents(res, untracked(result), mesh.hub.revision, streamStart(req, url, mesh.hub.revision));
      else if (isRead)
        await answers.send(req, res, answers.prepare(cacheKey, version, result, keptByVersion(match.route, url.searchParams)));
      // A signature recorded towards a sovereign quorum, the decision not yet taken: 202 Accepted.
      else sendJson(res, isPendingDecision(result) ? 202 : 200, result);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (clientErrorView(error).meshCode === 'INTERNAL') {
        logger.error(`${method} ${exchange?.route ?? url.pathname} failed`, error.cause ?? error, { requestId: exchange?.id });
      }
      if (res.headersSent) res.destroy();
      else refuse(res, error);
    }
  };
}
