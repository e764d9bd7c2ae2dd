import { tracked } from '@trpc/server';
import { watchRequestSchema, type WatchRequest } from '../../../shared/events.js';
import { WS_MAX_SUBSCRIPTIONS } from '../../../shared/limits.js';
import { watchEvents } from '../../events/watch.js';
import { publicProcedure } from '../../trpc.js';
import type { Context } from '../../context.js';
import { MeshError } from '../../errors.js';

/**
 * The live events stream. Each message is tracked with its revision, so tRPC's links resume after
 * the last one received (lastEventId) with nothing lost or doubled.
 */
export const watchProcedure = publicProcedure.input(watchRequestSchema).subscription(async function* ({ ctx, input, signal }) {
  const release = ctx.subscriptionSlots?.take();
  if (release === null) {
    throw new MeshError(
      'TOO_MANY_SUBSCRIPTIONS',
      `this connection already holds ${WS_MAX_SUBSCRIPTIONS} subscriptions: stop one, or open another connection`,
    );
  }
  try {
    yield* watch(ctx, input, signal);
  } finally {
    release?.();
  }
});

async function* watch(ctx: Context, input: WatchRequest, signal: AbortSignal | undefined) {
  const sinceRevision = input.lastEventId !== undefined ? Number(input.lastEventId) : input.sinceRevision;
  const messages = watchEvents(
    ctx.mesh,
    { ...input, sinceRevision },
    {
      signal,
      transport: ctx.transport,
      onOverflow: (error) => {
        ctx.mesh.metrics.watcherCut(ctx.transport ?? 'internal');
        ctx.closeConnection?.(error.message);
      },
    },
  );
  for await (const message of messages) {
    yield tracked(String(message.kind === 'event' ? message.event.revision : message.revision), message);
  }
}
