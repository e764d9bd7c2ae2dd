import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '../../shared/responses.js';
import type { MeshErrorCode } from '../../shared/errors.js';

/** A whole JSON answer with its length; a HEAD request gets the headers alone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

/** The REST error envelope: `{success: false, error: {code, message}}`. */
export function errorBody(code: MeshErrorCode, message: string): ErrorBody {
  return { success: false, error: { code, message } };
}
