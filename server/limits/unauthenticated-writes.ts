import type { SignedAction } from '../../shared/actions.js';
import type { SignedFields } from '../../shared/requests.js';
import type { Context } from '../context.js';
import { MeshError } from '../errors.js';

/**
 * A signed write nobody known vouches for: a registration (anyone can make a key), a heartbeat of a
 * node that is not approved, a decision by a key that is no sovereign. These are what a flood is
 * made of. Heartbeats of approved nodes and requests of sovereigns are not.
 */
function isUnauthenticated(ctx: Context, action: SignedAction, input: SignedFields<SignedAction>): boolean {
  if (action === 'register') return true;
  if (action === 'heartbeat' || action === 'rotate-key') {
    const status = ctx.mesh.registry.getNode((input as SignedFields<'heartbeat' | 'rotate-key'>).nodeId)?.status;
    return status !== 'active' && status !== 'offline';
  }
  return !ctx.mesh.registry.isSovereign((input as { approverPublicKey: string }).approverPublicKey);
}

/**
 * Spends a token of the source address's bucket for an unauthenticated write, or refuses it with
 * RATE_LIMITED and when to try again. Calls made in-process (tests, tools) have no address and
 * are nobody's flood.
 */
export function spendUnauthenticatedWrite(ctx: Context, action: SignedAction, input: SignedFields<SignedAction>): void {
  if (ctx.remoteAddress === undefined || !isUnauthenticated(ctx, action, input)) return;
  const waitMs = ctx.mesh.unauthenticatedWrites.take(ctx.remoteAddress);
  if (waitMs === 0) return;
  ctx.mesh.rateLimitTally.refused(ctx.remoteAddress);
  const { rateLimitBurst, rateLimitPerMinute } = ctx.mesh.config;
  throw new MeshError(
    'RATE_LIMITED',
    `too many unauthenticated writes from ${ctx.remoteAddress}: at most ${rateLimitBurst} at once and ${rateLimitPerMinute} a minute; try again in ${Math.ceil(waitMs / 1000)} s`,
    { retryAfterMs: waitMs },
  );
}
