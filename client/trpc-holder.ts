import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from '../server/routers/_app.js';

/**
 * What the peer list and the informer need of a client: its typed tRPC client. MeshClient is one;
 * naming only this keeps them from depending on the client that creates them.
 */
export interface TrpcHolder {
  readonly trpc: TRPCClient<AppRouter>;
}
