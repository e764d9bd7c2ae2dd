import { tracked } from '@trpc/server';
import { watchRequestSchema } from '../../../shared/events.js';
import { watchEvents } from '../../events/watch.js';
import { publicProcedure } from '../../trpc.js';

/**
 * The live events stream. Each message is tracked with its revision, so tRPC's links resume after
 * the last one received (lastEventId) with nothing lost or doubled.
 */
export const watchProcedure = publicProcedure.input(watchRequestSchema).subscription(async function* ({ ctx, input, signal }) {
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
});
