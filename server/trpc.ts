import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { SignedAction } from '../shared/actions.js';
import type { Meta } from './meta.js';
import { SIGNED_REQUEST_SCHEMAS, type SignedFields } from '../shared/requests.js';
import type { Context } from './context.js';
import { MESH_ERRORS } from '../shared/errors.js';
import { clientErrorView, domainErrorOf, toTRPCError } from './trpc-errors.js';
import { spendUnauthenticatedWrite } from './limits/unauthenticated-writes.js';
import { admitSignedRequest } from './signing/admit.js';
import { checkSignature, type SignedCheck } from './signing/check.js';
import { writeAndPublish } from './write.js';

export type { Meta };

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    // Idle streams stay alive through proxies; a client that hears nothing for longer reconnects and resumes.
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 45_000 } },
    errorFormatter({ shape, error }) {
      const { meshCode, trpcCode, rpcCode, httpStatus, message } = clientErrorView(error);
      // No stack, ever: a client learns the code and the message, the log keeps the rest.
      return { ...shape, code: rpcCode, message, data: { code: trpcCode, httpStatus, path: shape.data.path, meshCode } };
    },
  });

/** Every procedure call is counted and timed, by procedure, transport and outcome (ok, or the mesh error code). */
const observed = t.middleware(async ({ ctx, path, next }) => {
  const started = performance.now();
  const result = await next();
  const outcome = result.ok ? 'ok' : clientErrorView(result.error).meshCode;
  ctx.mesh.metrics.procedureCalled(path, ctx.transport ?? 'internal', outcome, (performance.now() - started) / 1000);
  return result;
});

/**
 * The boundary between the domain and the transport: a MeshError thrown anywhere below becomes the
 * tRPC error its code maps to, so every adapter answers with the right status.
 */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const domain = domainErrorOf(result.error);
    if (domain && result.error.code !== MESH_ERRORS[domain.code]) throw toTRPCError(domain);
  }
  return result;
});

const procedure = t.procedure.use(observed).use(mapDomainErrors);

export const router = t.router;
export const publicProcedure = procedure;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every signed procedure goes through here: an unauthenticated write spends a token of its
 * address's bucket (429 past it), then the signature is checked against the message rebuilt from
 * the validated input, by the key the action's meta names (401 if it fails or is stale).
 */
const verifySignature = t.middleware(async ({ ctx, meta, input, next }) => {
  const action = meta?.signed;
  if (!action) throw new Error('verifySignature needs a procedure with meta.signed');
  // Before any signature work: a flood of unauthenticated writes is refused at the cost of a map lookup.
  spendUnauthenticatedWrite(ctx, action, input as SignedFields<SignedAction>);
  const signed = await checkSignature(ctx.mesh, action, input as SignedFields<SignedAction>);
  return next({ ctx: { signed } });
});

/**
 * Then, in one write transaction with the procedure itself, the timestamp is accepted for its
 * signer (401 on replay) and a sovereign's right is checked (403). The procedure's events reach the
 * discovery snapshot and the watchers once it has committed.
 */
const inWriteTransaction = t.middleware(async ({ ctx, next }) => {
  const { signed } = ctx as typeof ctx & { signed: SignedCheck };
  return writeAndPublish(ctx.mesh.database, ctx.mesh.hub, async (tx, record) => {
    await admitSignedRequest(tx, signed);
    const result = await next({ ctx: { tx, record } });
    // Throwing rolls the transaction back, so a refused request leaves no trace, its timestamp included.
    if (!result.ok) throw result.error;
    return result;
  });
});

const signedInput = <A extends SignedAction>(action: A) =>
  procedure.meta({ signed: action }).input(SIGNED_REQUEST_SCHEMAS[action]).use(verifySignature);

/** A procedure signed as `action`, run in its own write transaction: its input is that action's request schema. */
export function signedProcedure<A extends SignedAction>(action: A) {
  return signedInput(action).use(inWriteTransaction);
}

/**
 * A signed procedure with `before` run once the signature is checked and before the write
 * transaction opens: for a check that waits on something outside mesh (tailscaled, an admission
 * oracle), so no write lock is held meanwhile. Its result reaches the procedure as `ctx.before`.
 * When the procedure is refused (by `before` or in its transaction), `afterRefusal` runs once the
 * transaction has rolled back: to record something about the refusal itself, which the rolled-back
 * transaction cannot.
 */
export function signedProcedureCheckedBefore<A extends SignedAction, B>(
  action: A,
  before: (ctx: Context, input: SignedFields<A>) => Promise<B>,
  afterRefusal: (ctx: Context, error: unknown, input: SignedFields<A>) => Promise<void>,
) {
  return signedInput(action)
    .use(async ({ ctx, input, next }) => {
      const result = await next();
      if (!result.ok) await afterRefusal(ctx, result.error, input as SignedFields<A>);
      return result;
    })
    .use(async ({ ctx, input, next }) => next({ ctx: { before: await before(ctx, input as SignedFields<A>) } }))
    .use(inWriteTransaction);
}

/**
 * A signed procedure that stores its work in batches with others (heartbeats): the signature is
 * checked here, and replay protection is the batch's, in the same statement that stores it.
 */
export function batchedSignedProcedure<A extends SignedAction>(action: A) {
  return signedInput(action);
}
