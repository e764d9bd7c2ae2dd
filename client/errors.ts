import { TRPCClientError } from '@trpc/client';
import type { z } from 'zod';
import type { AppRouter } from '../server/routers/_app.js';
import { isMeshErrorCode, type MeshErrorCode } from '../shared/errors.js';
import { UnreachableError } from './failover.js';
import { describeIssues } from '../shared/issues.js';

/** mesh's own error codes, and UNREACHABLE when no mesh answered at all. */
export type MeshClientErrorCode = MeshErrorCode | 'UNREACHABLE';

export interface MeshClientErrorOptions {
  code: MeshClientErrorCode;
  httpStatus?: number | undefined;
  cause?: Error | undefined;
  shape?: TRPCClientError<AppRouter>['shape'];
}

/**
 * Every failure of a call to mesh. It is a TRPCClientError, so code written for tRPC still
 * recognises it, with mesh's error code on top: catch it and switch on `code`.
 */
export class MeshClientError extends TRPCClientError<AppRouter> {
  readonly code: MeshClientErrorCode;
  /** The HTTP status mesh answered with; undefined when mesh never answered. */
  readonly httpStatus: number | undefined;

  constructor(message: string, options: MeshClientErrorOptions) {
    super(message, { cause: options.cause, result: options.shape ? { error: options.shape } : undefined });
    // TRPCClientError sets its own prototype in its constructor, which would hide this subclass.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'MeshClientError';
    this.code = options.code;
    this.httpStatus = options.httpStatus;
  }
}

/** Whether an error is a MeshClientError, with one of `codes` when any are given. */
export function isMeshError(error: unknown, ...codes: MeshClientErrorCode[]): error is MeshClientError {
  return error instanceof MeshClientError && (codes.length === 0 || codes.includes(error.code));
}

/** What a failed tRPC call becomes: mesh's refusal with its code, or UNREACHABLE. */
export function toMeshClientError(error: unknown): MeshClientError {
  if (error instanceof MeshClientError) return error;
  if (error instanceof TRPCClientError) {
    const data: TRPCClientError<AppRouter>['data'] = (error as TRPCClientError<AppRouter>).data;
    if (data && isMeshErrorCode(data.meshCode)) {
      return new MeshClientError(error.message, {
        code: data.meshCode,
        httpStatus: data.httpStatus,
        cause: error,
        shape: (error as TRPCClientError<AppRouter>).shape,
      });
    }
    if (error.cause instanceof UnreachableError)
      return new MeshClientError(error.cause.message, { code: 'UNREACHABLE', cause: error.cause });
  }
  // An answer that was not mesh's (a body cut short, a server that speaks something else).
  const cause = error instanceof Error ? error : new Error(String(error));
  return new MeshClientError(`no usable answer from mesh: ${cause.message}`, { code: 'UNREACHABLE', cause });
}

/**
 * The client validates a request with mesh's own schemas before signing it; a refusal there reads
 * like mesh's would, so a caller handles INVALID_INPUT once.
 */
export function invalidInput(error: z.ZodError): MeshClientError {
  return new MeshClientError(`invalid input: ${describeIssues(error.issues)}`, { code: 'INVALID_INPUT', cause: error });
}
