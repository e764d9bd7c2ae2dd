import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '../../shared/responses.js';
import type { MeshContext } from '../context.js';
import type { Exchange } from '../http/exchange.js';
import type { Logger } from '../log.js';
import { buildOpenApiDocument } from '../openapi/document.js';
import type { ReadinessProbe } from './readiness.js';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

const OPERATIONAL_PATHS = new Set(['/livez', '/readyz', '/metrics', '/openapi.json']);

/**
 * The paths for operators and their tools, beside the REST API: liveness, readiness, Prometheus
 * metrics and the API document. Returns false for any other request, which is not its business.
 */
export function createOperationsHandler(mesh: MeshContext, readiness: ReadinessProbe, logger: Logger) {
  let document: string | undefined;
  return (req: IncomingMessage, res: ServerResponse, url: URL, exchange: Exchange): boolean => {
    if (!OPERATIONAL_PATHS.has(url.pathname) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    exchange.route = url.pathname;
    switch (url.pathname) {
      case '/livez':
        sendJson(res, 200, { status: 'ok' });
        return true;
      case '/readyz':
        void readiness.check().then((report) => sendJson(res, report.status === 'ready' ? 200 : 503, report));
        return true;
      case '/openapi.json':
        document ??= JSON.stringify(buildOpenApiDocument({ version: mesh.version, network: mesh.config.network }));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(document) });
        res.end(req.method === 'HEAD' ? undefined : document);
        return true;
      default: {
        if (!mesh.config.metrics) {
          const body: ErrorBody = {
            success: false,
            error: { code: 'ROUTE_NOT_FOUND', message: 'metrics are off (MESH_METRICS=false)' },
          };
          sendJson(res, 404, body);
          return true;
        }
        mesh.metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': mesh.metrics.registry.contentType, 'cache-control': 'no-store' });
            res.end(req.method === 'HEAD' ? undefined : text);
          },
          (error: unknown) => {
            logger.error('collecting the metrics failed', error);
            sendJson(res, 500, { success: false, error: { code: 'INTERNAL', message: 'internal error' } } satisfies ErrorBody);
          },
        );
        return true;
      }
    }
  };
}
