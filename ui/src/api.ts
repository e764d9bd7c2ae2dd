import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '../../server/routers/_app.js';
import { TRPC_BASE_PATH } from '../../shared/paths.js';
import { MAX_BATCH_CALLS, UNBATCHED_QUERIES } from '../../shared/limits.js';

const http = { url: TRPC_BASE_PATH, transformer: superjson };

/** The typed client every view uses: queries and decisions over HTTP, the events stream over SSE. */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink(http),
      // Lists grow with the network: each goes alone, so one never fills a batch's answer for another.
      false: splitLink({
        condition: (op) => UNBATCHED_QUERIES.has(op.path),
        true: httpLink(http),
        false: httpBatchLink({ ...http, maxItems: MAX_BATCH_CALLS }),
      }),
    }),
  ],
});
