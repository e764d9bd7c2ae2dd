import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { TRPCError } from '@trpc/server';
import { databaseFile, databaseUrl } from '../db/database.js';
import { createContext, type MeshContext } from './context.js';
import type { Logger } from './log.js';
import { createOperationsHandler } from './operations/handler.js';
import { ReadinessProbe } from './operations/readiness.js';
import { createRestHandler } from './rest/adapter.js';
import { appRouter } from './routers/_app.js';
import { TRPC_BASE_PATH } from '../shared/paths.js';
import { MAX_BATCH_CALLS } from '../shared/limits.js';
import { MAX_BODY_BYTES } from './http/body.js';
import { beginExchange } from './http/exchange.js';
import { errorBody, sendJson } from './http/json.js';
import { createDashboardHandler, DASHBOARD_ROUTE } from './http/dashboard.js';
import { createTrpcHandler } from './http/trpc-handler.js';
import { InFlightResponses } from './http/in-flight.js';
import { createWebSocketEndpoint } from './http/websocket.js';
import { clientErrorView } from './trpc-errors.js';

/**
 * The request's URL, or null when it is not one (`//`, `//[`...): such a path must get a 400, and
 * `new URL` throws on it, which in a request listener would take the whole process down.
 */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(`http://mesh.invalid${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? '/'}`);
  } catch {
    return null;
  }
}

const BAD_REQUEST_BODY = JSON.stringify(errorBody('INVALID_INPUT', 'the request path is not a valid URL path'));

function isTrpcPath(pathname: string): boolean {
  return pathname === TRPC_BASE_PATH || pathname.startsWith(`${TRPC_BASE_PATH}/`);
}

export interface MeshServer {
  server: Server;
  /** Tells WebSocket clients to reconnect elsewhere and closes their sockets: part of a graceful stop. */
  closeWebSockets: () => void;
  /** Start-up is done: GET /readyz may answer 200 from now on. */
  markStarted: () => void;
  /** The responses under way, for a graceful stop. */
  inFlight: InFlightResponses;
}

/**
 * One port for everything: typed tRPC under /trpc (HTTP, SSE subscriptions, and WebSocket on
 * upgrade), the dashboard under /ui/, the documented REST paths everywhere else.
 */
export function createMeshServer(mesh: MeshContext, logger: Logger, options: { dashboardDir?: string } = {}): MeshServer {
  const onError = ({ error, path }: { error: TRPCError; path?: string | undefined }) => {
    const { meshCode } = clientErrorView(error);
    mesh.metrics.refused(meshCode);
    if (meshCode === 'INTERNAL') logger.error(`tRPC ${path ?? '?'} failed`, error.cause ?? error, { procedure: path });
  };
  const httpContext = (req: IncomingMessage, res: ServerResponse) =>
    createContext(mesh, {
      transport: 'trpc-http',
      remoteAddress: req.socket.remoteAddress,
      remotePort: req.socket.remotePort,
      closeConnection: () => res.destroy(),
    });
  const standard = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_BASE_PATH}/`,
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH_CALLS,
    // A refusal that passes with time says when: Retry-After, as on REST and the fast path.
    createContext: ({ req, res }) => httpContext(req, res),
    onError,
    // A refusal that passes with time says when: Retry-After (the longest wait of a batch), as on REST and the fast path.
    responseMeta: ({ errors }) => {
      const waits = errors.map((error) => clientErrorView(error).retryAfterSeconds ?? 0);
      const retryAfter = Math.max(0, ...waits);
      return retryAfter > 0 ? { headers: { 'retry-after': String(retryAfter) } } : {};
    },
  });
  const trpc = createTrpcHandler({
    basePath: `${TRPC_BASE_PATH}/`,
    createContext: httpContext,
    onError,
    fallback: standard,
    maxBatchSize: MAX_BATCH_CALLS,
  });
  const rest = createRestHandler(mesh, logger);
  const readiness = new ReadinessProbe(mesh, databaseFile(databaseUrl({ url: mesh.config.dbUrl, path: mesh.config.dbPath })));
  const operations = createOperationsHandler(mesh, readiness, logger);
  const dashboard = createDashboardHandler(options.dashboardDir);

  const inFlight = new InFlightResponses();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight.track(res);
    const exchange = beginExchange(mesh, logger, req, res);
    const url = requestUrl(req);
    if (!url) {
      mesh.metrics.refused('INVALID_INPUT');
      sendJson(res, 400, BAD_REQUEST_BODY);
      return;
    }
    if (operations(req, res, url, exchange)) return;
    if (isTrpcPath(url.pathname)) {
      exchange.route = TRPC_BASE_PATH;
      trpc(req, res, url);
    } else if (dashboard(req, res, url)) {
      exchange.route = DASHBOARD_ROUTE;
    } else {
      void rest(req, res, url, exchange);
    }
  });

  const webSockets = createWebSocketEndpoint(mesh, onError);
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    if (!url) return webSockets.refuseUpgrade(socket, '400 Bad Request');
    if (!isTrpcPath(url.pathname)) return webSockets.refuseUpgrade(socket, '404 Not Found');
    webSockets.upgrade(req, socket, head);
  });

  return {
    server,
    inFlight,
    markStarted: () => readiness.markStarted(),
    closeWebSockets: () => webSockets.close(),
  };
}
