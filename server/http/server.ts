import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createContext, type MeshContext } from '../context.js';
import type { Logger } from '../log.js';
import { createRestHandler } from '../rest/adapter.js';
import { appRouter } from '../routers/_app.js';
import { TRPC_BASE_PATH } from '../../shared/paths.js';
import { MAX_BODY_BYTES } from './body.js';

function isTrpcPath(pathname: string): boolean {
  return pathname === TRPC_BASE_PATH || pathname.startsWith(`${TRPC_BASE_PATH}/`);
}

/** One port for both: typed tRPC under /trpc, the documented REST paths everywhere else. */
export function createMeshServer(mesh: MeshContext, logger: Logger): Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_BASE_PATH}/`,
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req }) => createContext(mesh, req.socket.remoteAddress),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') logger.error(`tRPC ${path ?? '?'} failed`, error.cause ?? error);
    },
  });
  const rest = createRestHandler(mesh, logger);

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://mesh.invalid');
    if (mesh.config.logRequests) {
      // Path only: the query and body are the client's business, and nothing secret belongs in a log.
      res.once('finish', () =>
        logger.info(`${req.method} ${url.pathname} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`),
      );
    }
    if (isTrpcPath(url.pathname)) trpc(req, res);
    else void rest(req, res, url);
  });
}
