import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { z } from 'zod';
import { RETRY_AFTER_SECONDS, type MeshErrorCode } from '../../shared/errors.js';
import { PROTOCOL_TAG } from '../../shared/messages.js';
import { errorBodySchema } from '../../shared/responses.js';
import { MeshError } from '../errors.js';
import { toTRPCError } from '../trpc-errors.js';
import { DOCUMENTED_REST, OPERATIONAL, WATCH_INPUT, type DocumentedOperation } from './operations.js';
import { signatureDescription } from './signed-messages.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

/** A zod schema as JSON Schema 2020-12, the dialect of OpenAPI 3.1: requests as they are sent, answers as they come. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  // The dialect is said once, by the document's jsonSchemaDialect.
  delete generated.$schema;
  return generated;
}

const statusOf = (code: MeshErrorCode) => getHTTPStatusCodeFromError(toTRPCError(new MeshError(code, '')));

const HEADER = {
  requestId: {
    description: "The request id, as in the log line of this request (the client's own X-Request-Id if it sent a valid one)",
    schema: { type: 'string' },
  },
  revision: { description: 'The events-log revision the answer reflects', schema: { type: 'string', pattern: '^\\d+$' } },
  etag: { description: 'Send it back as If-None-Match: 304 while nothing has changed', schema: { type: 'string' } },
  retryAfter: {
    description:
      'Seconds to wait before trying again: with RATE_LIMITED, until this address may send another unauthenticated write; with STORAGE_BUSY or STORAGE_UNAVAILABLE, until the database is likely to answer',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
};

function errorResponses(codes: readonly MeshErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, MeshErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schema = errorBodySchema.extend({
      error: z.object({ code: z.enum(list as [MeshErrorCode, ...MeshErrorCode[]]), message: z.string() }),
    });
    const retryAfter = list.some((code) => RETRY_AFTER_SECONDS[code] !== undefined) ? { 'Retry-After': HEADER.retryAfter } : {};
    responses[String(status)] = {
      description: `Refused: ${list.join(', ')}`,
      headers: { 'X-Request-Id': HEADER.requestId, ...retryAfter },
      content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
    };
  }
  return responses;
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

function parameters(operation: DocumentedOperation, input: JsonSchema | undefined): unknown[] {
  const properties = input?.properties ?? {};
  const fromPath = Object.entries(operation.pathFields ?? {}).map(([name, field]) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[field] ?? { type: 'string' },
  }));
  const fromQuery = (operation.query ?? []).map((parameter) => ({
    name: parameter.name,
    in: 'query',
    required: false,
    ...(parameter.description ? { description: parameter.description } : {}),
    schema:
      properties[parameter.field ?? parameter.name] ??
      (operation.variant
        ? jsonSchema(operation.variant.input, 'input').properties?.[parameter.field ?? parameter.name]
        : undefined) ??
      jsonSchema(WATCH_INPUT, 'input').properties?.[parameter.name],
    ...(parameter.list ? { style: 'form', explode: false } : {}),
  }));
  return [...fromPath, ...fromQuery];
}

function requestBody(operation: DocumentedOperation, input: JsonSchema, network: string): unknown {
  const body: JsonSchema = { ...input, properties: { ...input.properties } };
  for (const field of Object.values(operation.pathFields ?? {})) {
    delete body.properties?.[field];
    body.required = body.required?.filter((name) => name !== field);
  }
  if (operation.signed && body.properties?.signature) {
    body.properties.signature = { ...body.properties.signature, description: signatureDescription(operation.signed, network) };
    body.properties.timestamp = { ...body.properties.timestamp, description: 'Milliseconds since the Unix epoch, signed' };
  }
  return { required: true, content: { 'application/json': { schema: body } } };
}

function restOperation(operation: DocumentedOperation, network: string): Record<string, unknown> {
  const input = operation.input ? jsonSchema(operation.input, 'input') : undefined;
  const isPost = operation.method === 'POST';
  const headers = {
    'X-Request-Id': HEADER.requestId,
    ...(operation.conditional ? { ETag: HEADER.etag } : {}),
    'X-Mesh-Revision': HEADER.revision,
  };
  const answer = jsonSchema(operation.response, 'output');
  const content: Record<string, unknown> = {
    'application/json': {
      schema: operation.variant ? { oneOf: [answer, jsonSchema(operation.variant.response, 'output')] } : answer,
    },
  };
  const extraParameters: unknown[] = [];
  if (operation.path === '/events') {
    content['text/event-stream'] = { schema: { type: 'string', description: 'Server-Sent Events frames' } };
    extraParameters.push(
      {
        name: 'Accept',
        in: 'header',
        schema: { type: 'string' },
        description: 'application/json for a page, else the live stream',
      },
      {
        name: 'Last-Event-ID',
        in: 'header',
        schema: { type: 'string', pattern: '^\\d+$' },
        description: 'Resume the stream after this revision',
      },
    );
  }
  return {
    operationId: operation.procedure,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.signed ? { 'x-mesh-signed-action': operation.signed } : {}),
    parameters: [...parameters(operation, input), ...extraParameters],
    ...(isPost && input ? { requestBody: requestBody(operation, input, network) } : {}),
    responses: {
      '200': { description: 'OK', headers, content },
      ...(operation.accepted ? { '202': { description: operation.accepted, content } } : {}),
      ...(operation.conditional
        ? { '304': { description: 'Not modified since the ETag sent as If-None-Match', headers: { ETag: HEADER.etag } } }
        : {}),
      // Every POST writes: a busy or failing database refuses it with 503 and Retry-After.
      ...errorResponses([
        'INVALID_INPUT',
        ...operation.errors,
        ...(isPost ? (['PAYLOAD_TOO_LARGE', 'STORAGE_BUSY', 'STORAGE_UNAVAILABLE'] as const) : []),
        'INTERNAL',
      ]),
    },
  };
}

function operationalPaths(): Record<string, unknown> {
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: jsonSchema(schema, 'output') } });
  return {
    '/livez': {
      get: {
        operationId: 'livez',
        summary: 'Liveness: the process answers',
        responses: { '200': { description: 'Alive', content: json(OPERATIONAL.liveness) } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: start-up done, database reachable and migrated, verification threads up',
        responses: {
          '200': { description: 'Ready for traffic', content: json(OPERATIONAL.readiness) },
          '503': { description: 'Not ready: `failing` names the checks that failed', content: json(OPERATIONAL.readiness) },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics, text format (404 with MESH_METRICS=false)',
        responses: {
          '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errorResponses(['ROUTE_NOT_FOUND']),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of mesh's REST API, built from the zod schemas the procedures validate
 * with and the message builders the signatures are checked against: nothing in it is written twice.
 */
export function buildOpenApiDocument(options: { version: string; network: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of DOCUMENTED_REST) {
    (paths[openApiPath(operation.path)] ??= {})[operation.method.toLowerCase()] = restOperation(operation, options.network);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'mesh',
      version: options.version,
      description:
        `The coordination service of the Tana validator network, network "${options.network}", protocol ${PROTOCOL_TAG}. ` +
        'Every state-changing request is signed with Ed25519 over a canonical message (see each `signature` field). ' +
        'Errors are `{"success": false, "error": {"code", "message"}}`; a known path asked with another method is a 405 ' +
        'METHOD_NOT_ALLOWED with an Allow header, an unknown path a 404 ROUTE_NOT_FOUND, both in that envelope.',
    },
    paths: { ...paths, ...operationalPaths() },
    components: { schemas: { ErrorBody: jsonSchema(errorBodySchema, 'output') } },
  };
}
