import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { MESH_ERRORS, type MeshErrorCode } from '../shared/errors.js';

/** A domain error: services throw these, and the tRPC code comes from the one table in shared/errors.ts. */
export class MeshError extends TRPCError {
  readonly meshCode: MeshErrorCode;

  constructor(meshCode: MeshErrorCode, message: string, options?: { cause?: unknown }) {
    super({ code: MESH_ERRORS[meshCode], message, cause: options?.cause });
    this.meshCode = meshCode;
    this.name = 'MeshError';
  }
}

interface SchemaIssue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

function schemaIssues(cause: unknown): SchemaIssue[] | null {
  if (typeof cause !== 'object' || cause === null || !('issues' in cause)) return null;
  const issues = (cause as { issues: unknown }).issues;
  return Array.isArray(issues) ? (issues as SchemaIssue[]) : null;
}

function describeIssue(issue: SchemaIssue): string {
  const path = (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.');
  const message = / received undefined$/.test(issue.message) ? 'is required' : issue.message;
  return path === '' ? message : `${path}: ${message}`;
}

export interface ErrorDescription {
  code: MeshErrorCode;
  message: string;
  httpStatus: number;
}

/**
 * What a client is told about an error, for tRPC and REST alike: a domain code and a message.
 * Validation failures name their fields; an unexpected failure says nothing of its internals.
 */
export function describeError(error: TRPCError): ErrorDescription {
  const httpStatus = getHTTPStatusCodeFromError(error);
  if (error instanceof MeshError) return { code: error.meshCode, message: error.message, httpStatus };
  const issues = schemaIssues(error.cause);
  if (error.code === 'BAD_REQUEST' && issues) {
    return { code: 'INVALID_INPUT', message: `invalid input: ${issues.map(describeIssue).join('; ')}`, httpStatus };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') return { code: 'INTERNAL', message: 'internal error', httpStatus };
  return { code: codeForTrpcError(error), message: error.message, httpStatus };
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
    default:
      return 'INVALID_INPUT';
  }
}
