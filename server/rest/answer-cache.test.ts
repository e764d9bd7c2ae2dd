import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves `body` at every URL through one AnswerCache, at registry answers version `version()`. */
async function serve(answers: AnswerCache, body: unknown, version: () => number): Promise<string> {
  const current = typeof body === 'function' ? (body as () => unknown) : () => body;
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    void answers.send(req, res, answers.kept(url, version()) ?? answers.prepare(url, version(), current(), true));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
}

const frozenList = (count: number) =>
  Object.freeze({ nodes: Array.from({ length: count }, (_, i) => ({ id: `node-${i}`, status: 'active' })), revision: 9 });

describe('AnswerCache', () => {
  it('streams an answer too large to keep, byte for byte, and writes it afresh next time', async () => {
    const answers = new AnswerCache(10_000);
    const body = frozenList(2000);
    const url = await serve(answers, body, () => 1);
    const first = await fetch(`${url}/nodes`);
    expect(first.headers.get('content-length')).toBeNull();
    expect(first.headers.get('x-mesh-revision')).toBe('9');
    expect(await first.text()).toBe(JSON.stringify(body));
    expect(answers.kept('/nodes', 1)).toMatchObject({ payload: undefined, tooLargeToKeep: true });
    expect(await (await fetch(`${url}/nodes`)).text()).toBe(JSON.stringify(body));
  });

  it('keeps a small answer as bytes after its first writing, and 304s it by version', async () => {
    const answers = new AnswerCache();
    let body = frozenList(600);
    let version = 1;
    const url = await serve(
      answers,
      () => body,
      () => version,
    );
    const first = await fetch(`${url}/nodes`);
    expect(await first.text()).toBe(JSON.stringify(body));
    const second = await fetch(`${url}/nodes`);
    expect(second.headers.get('content-length')).toBe(String(JSON.stringify(body).length));
    const tag = second.headers.get('etag') ?? '';
    expect((await fetch(`${url}/nodes`, { headers: { 'if-none-match': tag } })).status).toBe(304);
    // The registry moves to a new version with new answer objects.
    version = 2;
    body = frozenList(601);
    expect((await fetch(`${url}/nodes`, { headers: { 'if-none-match': tag } })).status).toBe(200);
  });

  it('keeps one set of bytes for URLs that differ only by query noise', async () => {
    const answers = new AnswerCache();
    const url = await serve(answers, frozenList(10), () => 3);
    const first = await (await fetch(`${url}/nodes?_=1`)).text();
    expect(await (await fetch(`${url}/nodes?_=2`)).text()).toBe(first);
    expect(answers.kept('/nodes?_=2', 3)?.payload).toBeDefined();
    expect(answers.kept('/nodes?_=2', 3)?.payload).toBe(answers.kept('/nodes?_=1', 3)?.payload);
  });

  it("tags an answer that is not the registry's by its bytes, and keeps nothing of it", () => {
    const answers = new AnswerCache();
    const one = answers.prepare('/health', 3, { serverTime: 1 });
    expect(one.tag).toBe(answers.prepare('/health', 3, { serverTime: 1 }).tag);
    expect(one.tag).not.toBe(answers.prepare('/health', 3, { serverTime: 2 }).tag);
    expect(answers.kept('/health', 3)).toBeUndefined();
  });
});
