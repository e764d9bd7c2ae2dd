import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_NUMBER } from '@trpc/server/rpc';
import { LibsqlError } from '@libsql/client';
import { MESH_ERRORS, RETRY_AFTER_SECONDS, type MeshErrorCode } from '../shared/errors.js';
import { StorageBusyError } from '../db/database.js';
import { describeIssues, type SchemaIssue } from '../shared/issues.js';
import { MeshError } from './errors.js';

/** What a client is told about a failure: the same for tRPC and REST. */
export interface ClientErrorView {
  meshCode: MeshErrorCode;
  trpcCode: TRPCError['code'];
  /** tRPC's JSON-RPC number for `trpcCode`. */
  rpcCode: TRPC_ERROR_CODE_NUMBER;
  httpStatus: number;
  message: string;
  /** For a failure that passes by itself: the Retry-After to send. */
  retryAfterSeconds?: number;
}

function schemaIssues(cause: unknown): SchemaIssue[] | null {
  if (typeof cause !== 'object' || cause === null || !('issues' in cause)) return null;
  const { issues } = cause;
  return Array.isArray(issues) ? issues : null;
}

/** The domain error behind a tRPC error, wherever tRPC wrapped it. */
export function domainErrorOf(error: unknown): MeshError | null {
  if (error instanceof MeshError) return error;
  if (error instanceof TRPCError && error.cause instanceof MeshError) return error.cause;
  return null;
}

function view(
  meshCode: MeshErrorCode,
  message: string,
  trpcCode: TRPCError['code'] = MESH_ERRORS[meshCode],
  retryAfterMs?: number,
): ClientErrorView {
  // The error's own wait (a rate limit's bucket) over its code's usual one (storage).
  const retryAfterSeconds =
    retryAfterMs === undefined ? RETRY_AFTER_SECONDS[meshCode] : Math.max(1, Math.ceil(retryAfterMs / 1000));
  return {
    meshCode,
    trpcCode,
    rpcCode: TRPC_ERROR_CODES_BY_KEY[trpcCode],
    httpStatus: getHTTPStatusCodeFromError(new TRPCError({ code: trpcCode })),
    message,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

// The database's own failures, as opposed to a defect of mesh's (a constraint it broke, bad SQL).
const STORAGE_FAILURES =
  /^(SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)|CLIENT_CLOSED|SERVER_ERROR|HRANA_)/;

/** A storage failure behind an error, wherever it was wrapped (drizzle wraps the driver's errors). */
function storageFailureOf(error: unknown): ClientErrorView | null {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof StorageBusyError) return view('STORAGE_BUSY', `storage is busy: ${cause.message}; try again shortly`);
    if (cause instanceof LibsqlError && STORAGE_FAILURES.test(cause.code)) {
      // The driver's message names files and statements: for the log, not for the client.
      return view('STORAGE_UNAVAILABLE', `storage is failing (${cause.code}): nothing was written; try again shortly`);
    }
  }
  return null;
}

/** Errors tRPC raises itself, before any of mesh's code runs (an unknown procedure, a body too large). */
function codeForTrpcError(error: TRPCError): MeshErrorCode {
  switch (error.code) {
    case 'PAYLOAD_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'NOT_FOUND':
      return 'ROUTE_NOT_FOUND';
    case 'METHOD_NOT_SUPPORTED':
      return 'METHOD_NOT_ALLOWED';
    case 'INTERNAL_SERVER_ERROR':
      return 'INTERNAL';
    default:
      return 'INVALID_INPUT';
  }
}

/**
 * The one place a failure becomes what a client sees, for tRPC and REST alike: a domain error keeps
 * its code, mapped through MESH_ERRORS; a validation failure names its fields; an unexpected
 * failure says nothing of its internals.
 */
export function clientErrorView(error: TRPCError): ClientErrorView {
  const domain = domainErrorOf(error);
  if (domain) return view(domain.code, domain.message, undefined, domain.retryAfterMs);
  const storage = storageFailureOf(error.cause);
  if (storage) return storage;
  const issues = schemaIssues(error.cause);
  if (error.code === 'BAD_REQUEST' && issues) return view('INVALID_INPUT', `invalid input: ${describeIssues(issues)}`);
  const meshCode = codeForTrpcError(error);
  // tRPC's own refusals keep tRPC's code (PARSE_ERROR stays PARSE_ERROR), with mesh's code beside it.
  return view(meshCode, meshCode === 'INTERNAL' ? 'internal error' : error.message, error.code);
}

/** A domain error as tRPC carries it: the code from MESH_ERRORS, the domain error as its cause. */
export function toTRPCError(error: MeshError): TRPCError {
  return new TRPCError({ code: MESH_ERRORS[error.code], message: error.message, cause: error });
}

/** The Retry-After header of a refusal that passes with time, in whole seconds; none for the others. */
export function retryAfterHeader(error: TRPCError): Record<string, string> {
  const { retryAfterSeconds } = clientErrorView(error);
  return retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
}
