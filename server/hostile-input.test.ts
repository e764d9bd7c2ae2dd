import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedRegister } from '../client/signed-requests.js';
import { TRPC_BASE_PATH } from '../shared/paths.js';
import { restRoutes, type RestRoute } from './rest/routes.js';
import { appRouter } from './routers/_app.js';
import { newSigner } from './testing/harness.js';
import { startTestServer } from './testing/servers.js';

// Property-based fuzzing of every input mesh takes from the network. `npm test` runs a bounded
// number of cases; `npm run fuzz` runs many more (MESH_FUZZ_RUNS).
const RUNS = Number(process.env.MESH_FUZZ_RUNS ?? 60);
const seedOption = process.env.MESH_FUZZ_SEED ? { seed: Number(process.env.MESH_FUZZ_SEED) } : {};

interface Refusal {
  status: number;
  contentType: string;
  text: string;
}

/** The messages of every error in a JSON answer: REST's envelope, tRPC's, one or a batch of them. */
function errorMessages(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(errorMessages);
  if (typeof value !== 'object' || value === null) return [];
  const error = (value as { error?: unknown }).error;
  if (error === undefined) return [];
  const inner = (error as { json?: unknown }).json ?? error;
  return [(inner as { message?: unknown }).message];
}

/** What a user of mesh may see for any input: never a 5xx, and every refusal a JSON body with a message. */
function expectNoServerError(answer: Refusal, what: string): void {
  expect(answer.status, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(answer.contentType, `${what} → ${answer.status}`).toContain('application/json');
  const messages = errorMessages(JSON.parse(answer.text));
  expect(messages.length, `${what} → ${answer.text.slice(0, 300)}`).toBeGreaterThan(0);
  for (const message of messages) {
    expect(typeof message === 'string' && message.length > 0, `${what}: a message in ${answer.text.slice(0, 300)}`).toBe(true);
    expect(message as string, what).not.toMatch(/\n\s+at /);
  }
}

describe('hostile input, generated', { timeout: 120_000 }, () => {
  const defer: Array<() => unknown> = [];
  let base = '';
  beforeAll(async () => {
    const running = await startTestServer((cleanup) => defer.push(cleanup), {
      config: { sovereignKeys: [newSigner().publicKey] },
    });
    base = running.url;
    return async () => {
      for (const cleanup of defer.reverse()) await cleanup();
    };
  });

  /** Sends a request and reads what a client would; an event stream that opened is closed at once. */
  async function send(method: string, path: string, init: { body?: Uint8Array | string; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${base}${path}`, { method, body: init.body, headers: init.headers });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, contentType, text: '' };
    }
    return { status: response.status, contentType, text: await response.text() };
  }

  // Text that breaks naive handling: control characters, NUL, lone surrogates, path and
  // percent-encoding tricks, very long runs, numbers past 2^53.
  const nastyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '',
      '\0',
      'a\0b',
      ['..', '..', 'etc', 'passwd'].join('/'),
      '%',
      '%ZZ',
      '%00',
      '%2F',
      '\uD800',
      '9'.repeat(30),
      '-1',
      '1e309',
      ' ',
    ),
    fc.string({ unit: 'grapheme', minLength: 200, maxLength: 600 }),
  );
  const anyJson = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(
      fc.constantFrom(
        'nodeId',
        'publicKey',
        'tailscaleHostname',
        'tailscaleIP',
        'services',
        'timestamp',
        'signature',
        'description',
        'status',
        'limit',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  );
  // Every byte percent-encoded (lone surrogates become U+FFFD), or raw tricks as they are.
  const percentEncoded = (text: string) =>
    [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  const pathPart = fc.oneof(nastyText.map(percentEncoded), fc.constantFrom('%ZZ', '%', '%00', '..', '%2e%2e', 'a%2Fb', '%C0%AF'));
  const concrete = (template: string, part: string) => template.replace(/:[a-zA-Z]+/g, part);

  it('REST: any body, path parameter and query on every documented path answers a 4xx with a message, never a 5xx', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...restRoutes),
        pathPart,
        fc.dictionary(fc.constantFrom('status', 'service', 'since', 'limit', 'types', 'nodeId', 'x'), nastyText, { maxKeys: 3 }),
        fc.oneof(
          anyJson.map((json) => JSON.stringify(json)),
          nastyText,
        ),
        async (route, part, query, body) => {
          const path = `${concrete(route.path, part)}?${new URLSearchParams(query).toString()}`;
          const answer = await send(route.method, path, {
            body: route.method === 'POST' ? body : undefined,
            headers: { 'content-type': 'application/json', accept: 'application/json' },
          });
          expectNoServerError(answer, `${route.method} ${path}`);
          statuses.add(answer.status);
        },
      ),
      {
        numRuns: RUNS,
        ...seedOption,
        // A well-formed id of no node: whether a generated case is one is left to chance (a CI run had none).
        examples: [[restRoutes.find((route) => route.path === '/nodes/:id') as RestRoute, 'validator-404', {}, '']],
      },
    );
    // The cases reached mesh's own validation and its lookups, not only its router.
    expect([...statuses]).toEqual(expect.arrayContaining([400, 404]));
  });

  it('REST: raw bytes under any content type are refused in words', async () => {
    const postPaths = restRoutes.filter((route) => route.method === 'POST').map((route) => concrete(route.path, 'v1'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...postPaths),
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          '',
        ),
        async (path, bytes, contentType) => {
          const answer = await send('POST', path, { body: bytes, headers: contentType ? { 'content-type': contentType } : {} });
          expectNoServerError(answer, `POST ${path} with ${bytes.length} raw bytes as ${contentType || 'no type'}`);
        },
      ),
      { numRuns: RUNS, ...seedOption },
    );
  });

  it('REST: a signed registration with any one field replaced is accepted or refused in words', async () => {
    const fields = ['nodeId', 'publicKey', 'tailscaleHostname', 'tailscaleIP', 'services', 'timestamp', 'signature', 'network'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.oneof(fc.jsonValue({ maxDepth: 3 }), nastyText), async (field, value) => {
        const body = signedRegister(
          newSigner(),
          {
            nodeId: 'fuzzed',
            tailscaleHostname: 'fuzzed.ts.net',
            tailscaleIP: '100.64.0.9',
            services: [{ type: 'ledger', port: 9000 }],
          },
          { network: 'tana' },
        );
        const answer = await send('POST', '/register', {
          body: JSON.stringify({ ...body, [field]: value }),
          headers: { 'content-type': 'application/json' },
        });
        expectNoServerError(answer, `POST /register with ${field} = ${JSON.stringify(value)?.slice(0, 80)}`);
      }),
      { numRuns: RUNS, ...seedOption },
    );
  });

  const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>);

  it('tRPC: any input to every procedure, plain or as superjson, alone or batched, is refused in words', async () => {
    const superjsonInput = fc.record({
      json: anyJson,
      meta: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ values: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })) }),
      ),
    });
    const input = fc.oneof(anyJson, superjsonInput);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...procedures),
        fc.oneof(
          input.map((value) => JSON.stringify(value)),
          nastyText,
        ),
        fc.boolean(),
        async ([name, procedure], encoded, batched) => {
          const isQuery = procedure._def.type !== 'mutation';
          const path = `${TRPC_BASE_PATH}/${batched ? `${name},${name}` : name}`;
          const payload = batched ? `{"0":${encoded},"1":${encoded}}` : encoded;
          const answer = isQuery
            ? await send(
                'GET',
                `${path}?${new URLSearchParams({ ...(batched ? { batch: '1' } : {}), input: payload }).toString()}`,
              )
            : await send('POST', `${path}${batched ? '?batch=1' : ''}`, {
                body: payload,
                headers: { 'content-type': 'application/json' },
              });
          expectNoServerError(answer, `tRPC ${name}${batched ? ' (batched)' : ''} with ${payload.slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS, ...seedOption },
    );
  });

  it('is still up and answering after all of it', async () => {
    const health = await send('GET', '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'ok', service: 'mesh' });
  });
});
