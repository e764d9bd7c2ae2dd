import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  TRPCError,
  type AnyTRPCProcedure,
} from '@trpc/server';
import type { Context } from '../context.js';
import { appRouter } from '../routers/_app.js';
import { readBodyText } from './body.js';
import { sendJson } from './json.js';
import { MeshError } from '../errors.js';
import { retryAfterHeader } from '../trpc-errors.js';
import { MAX_BATCH_ANSWER_BYTES } from '../../shared/limits.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The two tRPC internals the fast path reads: the router's config (for its transformer) and its
 * procedures by dotted path. They are not public API, so @trpc/server is pinned to an exact version
 * and their shape is checked here, at start-up, and by trpc-handler.test.ts: an upgrade that moves
 * them fails loudly instead of serving wrong answers.
 */
export function trpcInternals(router: typeof appRouter) {
  const config = router._def._config;
  // At run time tRPC keeps every procedure under its dotted path ("node.list"); its type says nested.
  const procedures = router._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>;
  const transformer = config?.transformer as Partial<typeof config.transformer> | undefined;
  if (typeof transformer?.input?.deserialize !== 'function' || typeof transformer.output?.serialize !== 'function') {
    throw new Error('tRPC internals changed: router._def._config.transformer is not where the fast path expects it');
  }
  const info = procedures['info'];
  if (typeof procedures !== 'object' || info?._def.type !== 'query') {
    throw new Error('tRPC internals changed: router._def.procedures is no longer keyed by dotted path');
  }
  return { config, procedures };
}

const { config, procedures } = trpcInternals(appRouter);

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'the request body is not valid JSON', cause });
  }
}

function deserialize(json: unknown): unknown {
  try {
    return config.transformer.input.deserialize(json);
  } catch (cause) {
    // superjson's metadata comes from the client: bad metadata is a client's mistake, not ours.
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'the request body is not valid superjson', cause });
  }
}

function parseInput(raw: string | null): unknown {
  if (raw === null || raw === '') return undefined;
  return deserialize(parseJson(raw));
}

/** A batch's inputs: `{"0": input, "1": input, ...}`, each in the transformer's format. */
function parseBatchInputs(raw: string | null): Record<string, unknown> {
  if (raw === null || raw === '') return {};
  const json = parseJson(raw);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'the input of a batch is an object of inputs by index' });
  }
  return Object.fromEntries(Object.entries(json).map(([index, input]) => [index, deserialize(input)]));
}

type ProcedureType = 'query' | 'mutation';
type Response = { result: { data: unknown } } | { error: ReturnType<typeof getTRPCErrorShape> };

export interface TrpcHandlerOptions {
  basePath: string;
  createContext: (req: IncomingMessage, res: ServerResponse) => Context;
  onError: (opts: { error: TRPCError; path?: string | undefined }) => void;
  fallback: NodeHandler;
  /** Calls one batch may carry. */
  maxBatchSize: number;
  /** Bytes of a batch's answer past which its later calls are refused rather than answered. */
  maxAnswerBytes?: number;
}

/**
 * Serves unbatched queries (GET) and mutations (POST), and batches of queries, straight on
 * node:http, in tRPC's own wire format: the standalone adapter converts every request to a Fetch
 * Request and back, which on Node 20 costs more than most procedures. Batches of mutations,
 * streamed batches, subscriptions and anything unusual go to `fallback`, the standard adapter,
 * which stays the reference.
 *
 * A batch is where one small request asks for much: 150 copies of node.list in 1.5 KB of URL once
 * came back as 57 MB, serialised in one go. Here a batch carries at most `maxBatchSize` calls, run
 * one after the other, and once its answer holds `maxAnswerBytes` the calls left are answered
 * ANSWER_TOO_LARGE (ask for them alone) without being run.
 */
export function createTrpcHandler(options: TrpcHandlerOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_BATCH_ANSWER_BYTES;

  async function call(ctx: Context, type: ProcedureType, path: string, input: unknown, batchIndex: number): Promise<unknown> {
    return callTRPCProcedure({
      router: appRouter,
      path,
      type,
      ctx,
      getRawInput: () => Promise.resolve(input),
      signal: undefined,
      batchIndex,
    });
  }

  function errorResponse(
    ctx: Context,
    cause: unknown,
    type: ProcedureType | 'unknown',
    path: string | undefined,
    input: unknown,
  ) {
    const error = getTRPCErrorFromUnknown(cause);
    options.onError({ error, path });
    const shape = getTRPCErrorShape({ config, error, type, path, input, ctx });
    return { response: { error: shape }, status: shape.data.httpStatus, headers: retryAfterHeader(error) };
  }

  async function serveOne(req: IncomingMessage, res: ServerResponse, url: URL, path: string, type: ProcedureType) {
    const ctx = options.createContext(req, res);
    let input: unknown;
    try {
      input = parseInput(type === 'mutation' ? await readBodyText(req) : url.searchParams.get('input'));
      const data = await call(ctx, type, path, input, 0);
      sendJson(res, 200, transformTRPCResponse(config, { result: { data } }));
    } catch (cause) {
      const { response, status, headers } = errorResponse(ctx, cause, type, path, input);
      if (status === 413) res.shouldKeepAlive = false;
      sendJson(res, status, transformTRPCResponse(config, response), headers);
    }
  }

  async function serveQueryBatch(req: IncomingMessage, res: ServerResponse, url: URL, paths: string[]) {
    const ctx = options.createContext(req, res);
    let inputs: Record<string, unknown>;
    try {
      if (paths.length > options.maxBatchSize) {
        throw new MeshError('INVALID_INPUT', `a batch carries at most ${options.maxBatchSize} calls, this one ${paths.length}`);
      }
      inputs = parseBatchInputs(url.searchParams.get('input'));
    } catch (cause) {
      const { response, status } = errorResponse(ctx, cause, 'unknown', undefined, undefined);
      return sendJson(res, status, transformTRPCResponse(config, response));
    }
    const items: string[] = [];
    const statuses = new Set<number>();
    let bytes = 0;
    for (const [index, path] of paths.entries()) {
      const input = inputs[index];
      let answer: { response: Response; status: number };
      try {
        if (bytes >= maxAnswerBytes) throw answerTooLarge(path, maxAnswerBytes);
        answer = { response: { result: { data: await call(ctx, 'query', path, input, index) } }, status: 200 };
      } catch (cause) {
        answer = errorResponse(ctx, cause, 'query', path, input);
      }
      let item = JSON.stringify(transformTRPCResponse(config, answer.response));
      // The first call is answered whatever its size: a batch of one is how httpBatchLink asks alone.
      if (index > 0 && bytes + Buffer.byteLength(item) > maxAnswerBytes) {
        answer = errorResponse(ctx, answerTooLarge(path, maxAnswerBytes), 'query', path, input);
        item = JSON.stringify(transformTRPCResponse(config, answer.response));
      }
      bytes += Buffer.byteLength(item);
      items.push(item);
      statuses.add(answer.status);
    }
    const status = statuses.size === 1 ? (statuses.values().next().value ?? 200) : 207;
    sendJson(res, status, `[${items.join(',')}]`);
  }

  return (req, res, url) => {
    const path = url.pathname.slice(options.basePath.length);
    if (url.searchParams.has('batch')) {
      const paths = path.split(',');
      const queries = paths.every((each) => procedures[each]?._def.type === 'query');
      // A streamed batch (httpBatchStreamLink) is the standard adapter's; it too takes at most maxBatchSize calls.
      const streamed = req.headers['trpc-accept'] !== undefined;
      if (req.method === 'GET' && url.searchParams.get('batch') === '1' && queries && !streamed) {
        return void serveQueryBatch(req, res, url, paths);
      }
      return options.fallback(req, res);
    }
    const type = procedures[path]?._def.type;
    const expected = req.method === 'POST' ? 'mutation' : req.method === 'GET' ? 'query' : undefined;
    if (type === undefined || type !== expected) return options.fallback(req, res);
    void serveOne(req, res, url, path, type);
  };
}

function answerTooLarge(path: string, maxAnswerBytes: number): MeshError {
  return new MeshError(
    'ANSWER_TOO_LARGE',
    `${path} was not run: this batch's answer already holds ${maxAnswerBytes} bytes, the most one answer may; ask for it in a request of its own`,
  );
}
