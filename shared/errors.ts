import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

/**
 * Every error mesh reports, and the tRPC code each one travels as. HTTP statuses follow from the
 * tRPC code by tRPC's own mapping (BAD_REQUEST 400, UNAUTHORIZED 401, FORBIDDEN 403, NOT_FOUND 404,
 * CONFLICT 409, PAYLOAD_TOO_LARGE 413, TOO_MANY_REQUESTS 429, SERVICE_UNAVAILABLE 503), so this is the only table of codes.
 */
export const MESH_ERRORS = {
  INVALID_INPUT: 'BAD_REQUEST',
  INVALID_PUBLIC_KEY: 'BAD_REQUEST',
  MISSING_SIGNATURE: 'UNAUTHORIZED',
  BAD_SIGNATURE: 'UNAUTHORIZED',
  STALE_TIMESTAMP: 'UNAUTHORIZED',
  REPLAYED_TIMESTAMP: 'UNAUTHORIZED',
  NOT_SOVEREIGN: 'FORBIDDEN',
  NODE_DENIED: 'FORBIDDEN',
  ORIGIN_NOT_ALLOWED: 'FORBIDDEN',
  ADMISSION_REFUSED: 'FORBIDDEN',
  ENROLLMENT_KEY_UNKNOWN: 'FORBIDDEN',
  ENROLLMENT_KEY_EXPIRED: 'FORBIDDEN',
  ENROLLMENT_KEY_SPENT: 'FORBIDDEN',
  ENROLLMENT_KEY_REVOKED: 'FORBIDDEN',
  NODE_NOT_FOUND: 'NOT_FOUND',
  SOVEREIGN_NOT_FOUND: 'NOT_FOUND',
  ENROLLMENT_KEY_NOT_FOUND: 'NOT_FOUND',
  ROUTE_NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_SUPPORTED',
  NODE_ID_TAKEN: 'CONFLICT',
  PUBLIC_KEY_TAKEN: 'CONFLICT',
  NODE_CHANGED: 'CONFLICT',
  SOVEREIGN_EXISTS: 'CONFLICT',
  LAST_SOVEREIGN: 'CONFLICT',
  QUORUM_FLOOR: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  ANSWER_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SLOW_CONSUMER: 'TOO_MANY_REQUESTS',
  STORAGE_BUSY: 'SERVICE_UNAVAILABLE',
  STORAGE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  ADMISSION_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  PENDING_FULL: 'TOO_MANY_REQUESTS',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_REQUESTS',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<string, TRPC_ERROR_CODE_KEY>;

export type MeshErrorCode = keyof typeof MESH_ERRORS;

export function isMeshErrorCode(code: unknown): code is MeshErrorCode {
  return typeof code === 'string' && Object.hasOwn(MESH_ERRORS, code);
}

/**
 * Failures that pass by themselves, and how many seconds a client should wait before it tries again
 * (sent as Retry-After): the database locked by another process, or not answering; a rate limit,
 * whose refusal says its own wait (the time until its bucket holds a token) and falls back to this.
 */
export const RETRY_AFTER_SECONDS: Partial<Record<MeshErrorCode, number>> = {
  STORAGE_BUSY: 1,
  STORAGE_UNAVAILABLE: 5,
  ADMISSION_UNAVAILABLE: 5,
  RATE_LIMITED: 1,
};
