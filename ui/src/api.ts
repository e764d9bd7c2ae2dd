import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '../../server/routers/_app.js';
import { TRPC_BASE_PATH } from '../../shared/paths.js';

/** The typed client every view uses: queries and decisions over HTTP, the events stream over SSE. */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url: TRPC_BASE_PATH, transformer: superjson }),
      false: httpBatchLink({ url: TRPC_BASE_PATH, transformer: superjson }),
    }),
  ],
});
