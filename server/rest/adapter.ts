import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import type { ErrorBody } from '../../shared/responses.js';
import { createContext, type MeshContext } from '../context.js';
import { describeError, MeshError } from '../errors.js';
import { readJsonBody } from '../http/body.js';
import type { Logger } from '../log.js';
import { createCaller } from '../routers/_app.js';
import { matchRoute } from './match.js';
import { restRoutes } from './routes.js';

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

/**
 * Serves the documented REST paths by calling the tRPC procedures: what a procedure returns is the
 * response body, what it throws becomes `{success:false, error:{code, message}}` with the status
 * tRPC gives its code.
 */
export function createRestHandler(mesh: MeshContext, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    try {
      let match;
      try {
        match = matchRoute(restRoutes, method, url.pathname);
      } catch (error) {
        throw new MeshError('INVALID_INPUT', 'the path is not valid URL encoding', { cause: error });
      }
      if (match.kind === 'none') throw new MeshError('ROUTE_NOT_FOUND', `no such path: ${method} ${url.pathname}`);
      if (match.kind === 'wrong-method') {
        const error = new MeshError('METHOD_NOT_ALLOWED', `${url.pathname} takes ${match.allowed.join(', ')}`);
        return sendError(res, error, { allow: match.allowed.join(', ') });
      }
      const body = match.route.method === 'POST' ? await readJsonBody(req) : {};
      const api = createCaller(createContext(mesh, req.socket.remoteAddress));
      const result = await match.route.call(api, { params: match.params, query: url.searchParams, body });
      sendJson(res, 200, result);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') logger.error(`${method} ${url.pathname} failed`, error.cause ?? error);
      sendError(res, error);
    }
  };
}

function sendError(res: ServerResponse, error: ReturnType<typeof getTRPCErrorFromUnknown>, headers?: Record<string, string>): void {
  const { code, message, httpStatus } = describeError(error);
  const body: ErrorBody = { success: false, error: { code, message } };
  // A request whose body was refused unread leaves bytes on the socket: do not keep it alive.
  if (httpStatus === 413) res.shouldKeepAlive = false;
  sendJson(res, httpStatus, body, headers);
}
