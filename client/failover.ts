import { errorCode } from './error-code.js';

/** Why one mesh URL did not answer a request. */
export interface UrlFailure {
  url: string;
  reason: string;
}

/** No mesh answered: each URL tried, with its reason. The client reports it as code UNREACHABLE. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';

  constructor(
    readonly failures: readonly UrlFailure[],
    options?: { cause?: unknown },
  ) {
    super(`mesh is unreachable: ${failures.map((f) => `${f.url} (${f.reason})`).join(', ')}`, options);
  }
}

// Errors of the connect phase: no byte of the request reached any server.
const NEVER_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The errors in an error's cause chain, outermost first (fetch wraps them; happy eyeballs aggregates them). */
function causes(error: unknown, depth = 0): Error[] {
  if (!(error instanceof Error) || depth > 5) return [];
  const inner = error instanceof AggregateError ? error.errors.flatMap((e: unknown) => causes(e, depth + 1)) : [];
  return [error, ...inner, ...causes(error.cause, depth + 1)];
}

/** A system error's code (ECONNREFUSED) says it all; undici's codes are less clear than its messages. */
function describe(error: unknown): string {
  const coded = causes(error).find((e) => errorCode(e) !== undefined);
  if (coded) return errorCode(coded)?.startsWith('UND_ERR') ? coded.message : (errorCode(coded) as string);
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  // fetch's own message is "fetch failed"; the innermost cause says why (e.g. "bad port").
  return causes(error).at(-1)?.message ?? String(error);
}

/** mesh answers every tRPC request with JSON, errors included; anything else is a proxy or another server. */
function isMeshAnswer(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').startsWith('application/json');
}

export interface FailoverFetchOptions {
  /** Base URLs of mesh servers sharing one registry, e.g. http://mesh-a.ts.net:8190 */
  urls: readonly string[];
  /** Per attempt: a mesh that accepts a connection but never answers counts as unreachable. */
  timeoutMs: number;
}

/**
 * A `fetch` for tRPC's links: they ask for a path (`/trpc/node.list?...`) and this sends it to the
 * mesh that last answered, moving on to the next URL when one cannot be reached. The URL that
 * answered stays first for the next request.
 *
 * Reads (GET) move on after any failure. A signed mutation (POST) moves on only when the request
 * surely never left this machine (connection refused, no such host): after a reset, a timeout or a
 * proxy's error page, mesh may have received and applied it. Sending it again elsewhere would be
 * refused as a replay (REPLAYED_TIMESTAMP), which would report a change that succeeded as one that
 * failed; the caller gets UNREACHABLE instead and can look at mesh, or sign afresh.
 */
export function createFailoverFetch(options: FailoverFetchOptions): typeof fetch {
  const urls = options.urls.map((url) => url.replace(/\/+$/, ''));
  if (urls.length === 0) throw new Error('createMeshClient needs at least one mesh URL');
  let current = 0;

  return async (input, init = {}) => {
    const path = input instanceof Request ? input.url : input.toString();
    const idempotent = (init.method ?? 'GET') === 'GET';
    const failures: UrlFailure[] = [];
    let lastError: unknown;
    for (let i = 0; i < urls.length; i++) {
      const index = (current + i) % urls.length;
      const url = urls[index] as string;
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      try {
        const response = await fetch(url + path, { ...init, signal });
        if (isMeshAnswer(response)) {
          current = index;
          return response;
        }
        failures.push({ url, reason: `HTTP ${response.status}, not an answer from mesh` });
        await response.body?.cancel();
        if (!idempotent) break;
      } catch (error) {
        // The caller gave up (tRPC aborts a request it no longer needs): not this mesh's failure.
        if (init.signal?.aborted) throw error;
        lastError = error;
        failures.push({ url, reason: describe(error) });
        if (!idempotent && !causes(error).some((e) => NEVER_CONNECTED.has(errorCode(e) ?? ''))) break;
      }
    }
    throw new UnreachableError(failures, { cause: lastError });
  };
}
