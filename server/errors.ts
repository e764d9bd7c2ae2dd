import type { MeshErrorCode } from '../shared/errors.js';

/**
 * A domain error: services throw these with mesh's own code, knowing nothing of the transport.
 * The boundary (server/trpc-errors.ts) maps the code to a tRPC code and an HTTP status through the
 * one table in shared/errors.ts.
 */
export class MeshError extends Error {
  readonly code: MeshErrorCode;
  /** For a refusal that passes with time (RATE_LIMITED): when to try again, sent as Retry-After. */
  readonly retryAfterMs: number | undefined;

  constructor(code: MeshErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
    this.name = 'MeshError';
  }
}
