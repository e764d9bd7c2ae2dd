import { createTRPCClient, httpBatchLink, httpLink, retryLink, splitLink, type TRPCClient, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import type { AppRouter } from '../server/routers/_app.js';
import { TRPC_BASE_PATH } from '../shared/paths.js';
import { MAX_BATCH_CALLS, UNBATCHED_QUERIES } from '../shared/limits.js';
import { backoffDelay } from './backoff.js';
import { toMeshClientError } from './errors.js';
import { createFailoverFetch, UnreachableError } from './failover.js';

export interface TransportOptions {
  /** One mesh URL or several serving the same registry, e.g. http://mesh.ts.net:8190 */
  url: string | readonly string[];
  /** How long one attempt at one URL may take. Default 10 s. */
  timeoutMs?: number;
  /** How many times a read goes over the URLs before it fails as UNREACHABLE. Default 4. */
  readAttempts?: number;
  /** The wait before a read's next round over the URLs. Default 250 ms, doubling, at most 4 s, with jitter. */
  retryDelayMs?: (attempt: number) => number;
}

const defaultRetryDelay = (attempt: number) => backoffDelay(attempt, 4000);

/** Turns every error of a call into a MeshClientError; tRPC hands it on to the caller as it is. */
const meshErrorLink: TRPCLink<AppRouter> =
  () =>
  ({ op, next }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        error: (error) => observer.error(toMeshClientError(error)),
        complete: () => observer.complete(),
      }),
    );

/**
 * The typed tRPC client over mesh's AppRouter. Small queries are batched, since reads can share a request;
 * mutations go one per request (httpLink): each is signed and judged on its own, and a batch would
 * tie one signed call's fate (and its retry) to another's.
 */
export function createMeshTrpc(options: TransportOptions): TRPCClient<AppRouter> {
  const urls = typeof options.url === 'string' ? [options.url] : options.url;
  const http = {
    url: TRPC_BASE_PATH,
    transformer: superjson,
    fetch: createFailoverFetch({ urls, timeoutMs: options.timeoutMs ?? 10_000 }),
  };
  const readAttempts = options.readAttempts ?? 4;
  return createTRPCClient<AppRouter>({
    links: [
      meshErrorLink,
      retryLink({
        // Only reads: a mutation that may have reached mesh is never sent twice (see failover.ts).
        retry: ({ op, error, attempts }) =>
          op.type === 'query' && error.cause instanceof UnreachableError && attempts < readAttempts,
        retryDelayMs: options.retryDelayMs ?? defaultRetryDelay,
      }),
      splitLink({
        condition: (op) => op.type === 'query' && !UNBATCHED_QUERIES.has(op.path),
        true: httpBatchLink({ ...http, maxItems: MAX_BATCH_CALLS }),
        false: httpLink(http),
      }),
    ],
  });
}
