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
import { clientErrorView } from '../trpc-errors.js';

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

function parseInput(raw: string | null): unknown {
  if (raw === null || raw === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'the request body is not valid JSON', cause });
  }
  try {
    return config.transformer.input.deserialize(json);
  } catch (cause) {
    // superjson's metadata comes from the client: bad metadata is a client's mistake, not ours.
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'the request body is not valid superjson', cause });
  }
}

/**
 * Serves one unbatched tRPC query (GET) or mutation (POST) straight on node:http, in tRPC's own
 * wire format: the standalone adapter converts every request to a Fetch Request and back, which
 * on Node 20 costs more than most procedures. Batches, subscriptions and anything unusual go to
 * `fallback`, the standard adapter, which stays the reference.
 */
export function createTrpcHandler(options: {
  basePath: string;
  createContext: (req: IncomingMessage, res: ServerResponse) => Context;
  onError: (opts: { error: TRPCError; path: string }) => void;
  fallback: NodeHandler;
}): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  return (req, res, url) => {
    const path = url.pathname.slice(options.basePath.length);
    const type = procedures[path]?._def.type;
    const expected = req.method === 'POST' ? 'mutation' : req.method === 'GET' ? 'query' : undefined;
    if (type === undefined || type !== expected || url.searchParams.has('batch')) return options.fallback(req, res);
    void (async () => {
      const ctx = options.createContext(req, res);
      let input: unknown;
      try {
        input = parseInput(type === 'mutation' ? await readBodyText(req) : url.searchParams.get('input'));
        const data: unknown = await callTRPCProcedure({
          router: appRouter,
          path,
          type,
          ctx,
          getRawInput: () => Promise.resolve(input),
          signal: undefined,
          batchIndex: 0,
        });
        sendJson(res, 200, transformTRPCResponse(config, { result: { data } }));
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        options.onError({ error, path });
        const shape = getTRPCErrorShape({ config, error, type, path, input, ctx });
        if (shape.data.httpStatus === 413) res.shouldKeepAlive = false;
        const { retryAfterSeconds } = clientErrorView(error);
        const retryAfter = retryAfterSeconds === undefined ? undefined : { 'retry-after': String(retryAfterSeconds) };
        sendJson(res, shape.data.httpStatus, transformTRPCResponse(config, { error: shape }), retryAfter);
      }
    })();
  };
}
