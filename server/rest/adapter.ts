import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, isTrackedEnvelope, type TRPCError } from '@trpc/server';
import type { WatchMessage } from '../../shared/events.js';
import type { ErrorBody } from '../../shared/responses.js';
import { createContext, type MeshContext } from '../context.js';
import { describeError, MeshError } from '../errors.js';
import { readJsonBody } from '../http/body.js';
import type { Logger } from '../log.js';
import { createCaller } from '../routers/_app.js';
import { matchRoute } from './match.js';
import { restRoutes } from './routes.js';
import { streamEvents } from './sse.js';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* untracked(messages: AsyncIterable<unknown>): AsyncGenerator<WatchMessage> {
  for await (const message of messages) yield (isTrackedEnvelope(message) ? message[1] : message) as WatchMessage;
}

/** The revision a discovery answer reflects, if it says. */
function revisionOf(body: unknown): number | undefined {
  const revision = typeof body === 'object' && body !== null ? (body as { revision?: unknown }).revision : undefined;
  return typeof revision === 'number' ? revision : undefined;
}

interface Serialized {
  payload: Buffer;
  tag: string;
  revision: number | undefined;
}

function serialize(body: unknown): Serialized {
  const payload = Buffer.from(JSON.stringify(body));
  return { payload, tag: `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`, revision: revisionOf(body) };
}

/**
 * The bytes of recent discovery answers by URL, valid while the registry's answers have not changed:
 * a repeated GET /nodes is then answered (or 304'd) without running the procedure or serialising
 * again. Only answers the registry hands out frozen (lists, topology) are kept, and only a few URLs.
 */
class AnswerCache {
  readonly #entries = new Map<string, { version: number; answer: Serialized }>();

  constructor(private readonly maxEntries = 64) {}

  get(url: string, version: number): Serialized | undefined {
    const entry = this.#entries.get(url);
    return entry?.version === version ? entry.answer : undefined;
  }

  keep(url: string, version: number, body: unknown): Serialized {
    const answer = serialize(body);
    if (!Object.isFrozen(body)) return answer;
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(url)) this.#entries.clear();
    this.#entries.set(url, { version, answer });
    return answer;
  }
}

function matchesEntityTag(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === tag;
  });
}

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

const revisionHeader = (revision: number | undefined): Record<string, string> =>
  revision === undefined ? {} : { 'x-mesh-revision': String(revision) };

/**
 * A successful GET: with an ETag, 304 for a matching If-None-Match, and the revision a discovery
 * answer reflects in X-Mesh-Revision, so a poller pays for a change only when there is one.
 */
function sendAnswer(req: IncomingMessage, res: ServerResponse, { payload, tag, revision }: Serialized): void {
  const headers = { etag: tag, 'cache-control': 'no-cache', ...revisionHeader(revision) };
  if (matchesEntityTag(req.headers['if-none-match'], tag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function sendError(res: ServerResponse, error: TRPCError, headers?: Record<string, string>): void {
  const { code, message, httpStatus } = describeError(error);
  const body: ErrorBody = { success: false, error: { code, message } };
  // A request whose body was refused unread leaves bytes on the socket: do not keep it alive.
  if (httpStatus === 413) res.shouldKeepAlive = false;
  sendJson(res, httpStatus, body, headers);
}

/**
 * Serves the documented REST paths by calling the tRPC procedures: what a procedure returns is the
 * response body (a stream of events is sent as SSE), what it throws becomes
 * `{success:false, error:{code, message}}` with the status tRPC gives its code.
 */
export function createRestHandler(mesh: MeshContext, logger: Logger) {
  const answers = new AnswerCache();
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const cacheKey = `${url.pathname}${url.search}`;
    const version = mesh.registry.answersVersion;
    const cached = method === 'GET' || method === 'HEAD' ? answers.get(cacheKey, version) : undefined;
    if (cached) return sendAnswer(req, res, cached);
    const disconnected = new AbortController();
    res.once('close', () => disconnected.abort());
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
      const context = createContext(mesh, {
        remoteAddress: req.socket.remoteAddress,
        closeConnection: (reason) => {
          logger.info(`closing ${method} ${url.pathname} for ${req.socket.remoteAddress ?? '?'}: ${reason}`);
          res.destroy();
        },
      });
      const api = createCaller(context, { signal: disconnected.signal });
      const result = await match.route.call(api, { params: match.params, query: url.searchParams, headers: req.headers, body });
      if (isAsyncIterable(result)) await streamEvents(res, untracked(result), mesh.hub.revision);
      else if (method === 'GET' || method === 'HEAD') sendAnswer(req, res, answers.keep(cacheKey, version, result));
      else sendJson(res, 200, result, revisionHeader(revisionOf(result)));
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') logger.error(`${method} ${url.pathname} failed`, error.cause ?? error);
      if (res.headersSent) res.destroy();
      else sendError(res, error);
    }
  };
}
