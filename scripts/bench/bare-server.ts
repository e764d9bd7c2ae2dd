/**
 * The bare `node:http` server mesh is compared with: it does the least a server can do for the same
 * request, so what it reaches on this machine is the limit for mesh.
 *
 * - POST (any path): reads a small JSON body, parses it, answers a small JSON object.
 * - GET /nodes…: the bytes of BARE_BODY_FILE from memory with the headers in BARE_HEADERS (mesh's
 *   own discovery answer, copied), or 304 when If-None-Match names BARE_ETAG.
 * - GET /events: a Server-Sent Events stream; POST /approve/<id> answers, then sends every stream
 *   one event naming <id> (the floor for the events figure).
 * - GET of a URL named in BARE_PAGES (a JSON file mapping URLs to body files): that body from
 *   memory (the pages of a paged walk), with the headers in BARE_HEADERS.
 * - GET anything else: a small JSON object (the start-up baseline asks /health).
 *
 * Configured by environment; prints "bare listening on 127.0.0.1:<port>" once it listens.
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';

const port = Number(process.env.BARE_PORT ?? 0);
const body = process.env.BARE_BODY_FILE ? readFileSync(process.env.BARE_BODY_FILE) : null;
const headers = JSON.parse(process.env.BARE_HEADERS ?? '{}') as Record<string, string>;
const etag = process.env.BARE_ETAG ?? '';
const small = Buffer.from(JSON.stringify({ status: 'ok', service: 'bare' }));
const streams = new Set<ServerResponse>();
const pages = new Map<string, Buffer>(
  Object.entries(
    process.env.BARE_PAGES ? (JSON.parse(readFileSync(process.env.BARE_PAGES, 'utf8')) as Record<string, string>) : {},
  ).map(([url, file]) => [url, readFileSync(file)]),
);

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { nodeId?: string };
      const answer = JSON.stringify({ success: true, nodeId: input.nodeId ?? null, status: 'active', receivedAt: Date.now() });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
      if (req.url?.startsWith('/approve/')) {
        const event = `event: node\ndata: ${JSON.stringify({ id: input.nodeId ?? null, status: 'active' })}\n\n`;
        for (const stream of streams) stream.write(event);
      }
    });
    return;
  }
  if (req.url === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': connected\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
    return;
  }
  const page = req.url === undefined ? undefined : pages.get(req.url);
  if (page) {
    res.writeHead(200, { ...headers, 'content-length': page.length });
    res.end(page);
    return;
  }
  if (body && req.url?.startsWith('/nodes')) {
    if (etag && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': headers['cache-control'] ?? 'no-cache' });
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': small.length });
  res.end(small);
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`bare listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
