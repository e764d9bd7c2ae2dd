import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedRegister } from '../../client/signed-requests.js';
import { registerMessage } from '../../shared/messages.js';
import { restRoutes } from '../rest/routes.js';
import { appRouter } from '../routers/_app.js';
import { newSigner } from '../testing/harness.js';
import { driveRestWorkflow, newSecrets, type Answer } from '../testing/rest-workflow.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { DOCUMENTED_REST } from './operations.js';
import { signedMessageTemplate } from './signed-messages.js';

const defer = useCleanups();
// ajv-formats is CommonJS: under NodeNext its plugin is the module's `default` property.
const addFormats = addFormatsModule.default;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const DOCUMENT_ID = 'https://mesh.invalid/openapi.json';
const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The document's path template that a concrete path falls under, if any. */
function templateOf(document: Document, path: string): string | undefined {
  const actual = path.split('?')[0]?.split('/') ?? [];
  return Object.keys(document.paths).find((template) => {
    const parts = template.split('/');
    return parts.length === actual.length && parts.every((part, i) => part.startsWith('{') || part === actual[i]);
  });
}

describe('GET /openapi.json', () => {
  let url: string;
  let document: Document;
  beforeAll(async () => {
    const running = await startTestServer(defer);
    url = running.url;
    const response = await fetch(`${url}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
  });

  it('is a valid OpenAPI 3.1 document, by an independent validator', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every REST path, with the very schemas its procedure validates its input and output with', () => {
    const documented = DOCUMENTED_REST.map((operation) => `${operation.method} ${operation.path}`).sort();
    expect(documented).toEqual(restRoutes.map((route) => `${route.method} ${route.path}`).sort());
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[]; output?: unknown } }>;
    for (const operation of DOCUMENTED_REST) {
      const definition = procedures[operation.procedure]?._def;
      expect(definition?.inputs[0], operation.procedure).toBe(operation.input);
      expect(definition?.output, operation.procedure).toBe(operation.response);
      if (operation.variant) {
        const variant = procedures[operation.variant.procedure]?._def;
        expect(variant?.inputs[0], operation.variant.procedure).toBe(operation.variant.input);
        expect(variant?.output, operation.variant.procedure).toBe(operation.variant.response);
      }
    }
  });

  it('gives each signature the message it signs, the one the server checks', () => {
    const node = newSigner();
    const request = signedRegister(
      node,
      {
        nodeId: 'v1',
        tailscaleHostname: 'v1.ts.net',
        tailscaleIP: '100.64.0.1',
        services: [{ type: 'ledger', port: 9, publicKey: 'ab'.repeat(32) }],
      },
      { network: 'tana' },
    );
    const filled = signedMessageTemplate('register', 'tana')
      .replace('{nodeId}', request.nodeId)
      .replace('{publicKey}', request.publicKey)
      .replace('{tailscaleHostname}', request.tailscaleHostname)
      .replace('{tailscaleIP}', request.tailscaleIP ?? '')
      .replace('{type}:{port}:{servicePublicKey}', 'ledger:9:' + 'ab'.repeat(32))
      .replace('{timestamp}', String(request.timestamp));
    expect(filled).toBe(registerMessage('tana', request));
    const body = document.paths['/register']?.post as unknown as {
      requestBody: { content: { 'application/json': { schema: { properties: { signature: { description: string } } } } } };
    };
    expect(body.requestBody.content['application/json'].schema.properties.signature.description).toContain(
      signedMessageTemplate('register', 'tana'),
    );
  });

  it('describes every answer of the REST workflow and its error cases: status and body', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    const sovereign = newSigner();
    const running = await startTestServer(defer, { config: { sovereignKeys: [sovereign.publicKey] } });
    const { answers } = await driveRestWorkflow(running.url, sovereign, newSecrets());
    const statuses = new Set<number>();
    const check = (answer: Answer) => {
      const where = `${answer.method} ${answer.path} → ${answer.status}`;
      statuses.add(answer.status);
      const template = templateOf(document, answer.path);
      const operation = template ? document.paths[template]?.[answer.method.toLowerCase()] : undefined;
      if (!operation) {
        // No such operation: a wrong method or an unknown path, answered in the error envelope.
        expect([404, 405], where).toContain(answer.status);
        const validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/ErrorBody` });
        expect(validate(answer.body), `${where}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        return;
      }
      const response = operation.responses[String(answer.status)];
      expect(response, `${where} is not documented`).toBeDefined();
      if (answer.status === 304) return expect(answer.body).toBeNull();
      const type = answer.contentType.split(';')[0] ?? '';
      expect(Object.keys(response?.content ?? {}), where).toContain(type);
      if (type !== 'application/json') return;
      const validate = ajv.compile({
        $ref: `${DOCUMENT_ID}#${pointer('', 'paths', template ?? '', answer.method.toLowerCase(), 'responses', String(answer.status), 'content', type, 'schema')}`,
      });
      expect(validate(answer.body), `${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(answer.body)}`).toBe(true);
    };
    for (const answer of answers) check(answer);
    // The workflow reached every kind of answer the document describes.
    expect([...statuses].sort()).toEqual([200, 304, 400, 401, 403, 404, 405, 409, 413]);
  });

  it('would catch an answer that drifted from it', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    const validate = ajv.compile({
      $ref: `${DOCUMENT_ID}#${pointer('', 'paths', '/register', 'post', 'responses', '200', 'content', 'application/json', 'schema')}`,
    });
    expect(validate({ success: true, nodeId: 'v1', status: 'pending', message: 'ok' })).toBe(true);
    expect(validate({ success: true, nodeId: 'v1', status: 'asleep', message: 'ok' })).toBe(false);
    expect(validate({ success: true, nodeId: 'v1', status: 'pending', message: 'ok', extra: 1 })).toBe(false);
    const refusal = ajv.compile({
      $ref: `${DOCUMENT_ID}#${pointer('', 'paths', '/register', 'post', 'responses', '401', 'content', 'application/json', 'schema')}`,
    });
    expect(refusal({ success: false, error: { code: 'BAD_SIGNATURE', message: 'x' } })).toBe(true);
    expect(refusal({ success: false, error: { code: 'NODE_NOT_FOUND', message: 'x' } })).toBe(false);
  });

  it('documents the 503 of a busy or failing database, with Retry-After, on every write', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      const post = item?.post as
        { responses: Record<string, { description: string; headers: Record<string, unknown> }> } | undefined;
      if (!post) continue;
      // /register adds ADMISSION_UNAVAILABLE: an admission oracle that cannot answer.
      expect(post.responses['503']?.description, path).toMatch(
        /^Refused: (ADMISSION_UNAVAILABLE, )?STORAGE_BUSY, STORAGE_UNAVAILABLE$/,
      );
      expect(Object.keys(post.responses['503']?.headers ?? {}), path).toContain('Retry-After');
    }
  });
});
