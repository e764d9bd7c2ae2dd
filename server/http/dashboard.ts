import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where the dashboard lives on mesh's port; `npm run build` puts its files in ui/dist. */
export const DASHBOARD_PATH = '/ui/';
export const DEFAULT_DASHBOARD_DIR = join(packageRoot(fileURLToPath(import.meta.url)), 'ui', 'dist');

/** The folder with package.json above this file: server/http/ from source, dist/server/http/ once built. */
function packageRoot(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return resolve(dirname(file), '..', '..');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

// The page talks to mesh only: no CDN, no inline script, no framing by another site.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
// Vite names every file under assets/ by the hash of its content: such a name never changes meaning.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface CachedFile {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

// The built dashboard is a handful of files; past this many entries something is probing names.
const MAX_CACHED_FILES = 64;
const MAX_CACHED_BYTES = 4 * 1024 * 1024;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mesh dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The mesh dashboard is not built</h1>
<p>mesh is running and its API works, but the dashboard's files are missing from this installation.
Build them with <code>npm run build</code> (or <code>npm install</code>, which builds them), then reload this page.</p>
</body></html>`;

/** The URL path under /ui/ as a file path inside `root`, or null when it would leave it or is not a clean path. */
function filePathFor(root: string, pathname: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(DASHBOARD_PATH.length));
  } catch {
    return null;
  }
  if (relative.includes('\0') || relative.includes('\\')) return null;
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.' || segment.startsWith('.'))) return null;
  const path = resolve(root, relative === '' ? 'index.html' : relative);
  return path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : null;
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
}

/** A browser navigating (it asks for HTML first), as opposed to an API client that wants JSON or anything. */
function isBrowserNavigation(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}

/** The one route label every dashboard file (and the redirect from /) is counted under. */
export const DASHBOARD_ROUTE = '/ui/*';

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/**
 * Serves the built dashboard under /ui/ and sends browsers that open mesh's root there. Returns
 * false for every other request, which goes on to the API. Paths without a file extension that
 * match no file get index.html, so a link to a view (/ui/nodes/validator-a) opens that view.
 */
export function createDashboardHandler(dir: string = DEFAULT_DASHBOARD_DIR): DashboardHandler {
  const root = resolve(dir);
  const cache = new Map<string, CachedFile>();
  let cachedBytes = 0;

  async function load(path: string): Promise<CachedFile | null> {
    let info;
    try {
      info = await stat(path);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const cached = cache.get(path);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const body = await readFile(path);
    const file: CachedFile = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      body,
      gzip: COMPRESSIBLE.has(extname(path)) && body.length > 512 ? gzipSync(body) : null,
      etag: `"${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`,
    };
    if (cached) cachedBytes -= cached.body.length + (cached.gzip?.length ?? 0);
    if (cache.size >= MAX_CACHED_FILES || cachedBytes > MAX_CACHED_BYTES) {
      cache.clear();
      cachedBytes = 0;
    }
    cache.set(path, file);
    cachedBytes += file.body.length + (file.gzip?.length ?? 0);
    return file;
  }

  function send(req: IncomingMessage, res: ServerResponse, path: string, file: CachedFile): void {
    const immutable = path.startsWith(join(root, 'assets') + sep);
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': immutable ? IMMUTABLE : REVALIDATE,
      etag: file.etag,
      vary: 'accept-encoding',
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = file.gzip && acceptsGzip(req) ? file.gzip : file.body;
    if (body === file.gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'the dashboard only answers GET and HEAD\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = filePathFor(root, url.pathname);
    if (!path) {
      plain(res, 400, 'not a dashboard file path\n');
      return;
    }
    const file = await load(path);
    if (file) {
      send(req, res, path, file);
      return;
    }
    const index = join(root, 'index.html');
    const page = extname(path) === '' ? await load(index) : null;
    if (page) {
      send(req, res, index, page);
      return;
    }
    if (!(await load(index))) {
      res.writeHead(503, {
        ...SECURITY_HEADERS,
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(NOT_BUILT_PAGE),
        'cache-control': 'no-store',
      });
      res.end(NOT_BUILT_PAGE);
      return;
    }
    plain(res, 404, 'no such dashboard file\n');
  }

  return (req, res, url) => {
    if (url.pathname === '/' && req.method === 'GET' && isBrowserNavigation(req)) {
      res.writeHead(302, { location: DASHBOARD_PATH, 'content-length': 0 });
      res.end();
      return true;
    }
    if (url.pathname === '/ui') {
      res.writeHead(301, { location: DASHBOARD_PATH + url.search, 'content-length': 0 });
      res.end();
      return true;
    }
    if (!url.pathname.startsWith(DASHBOARD_PATH)) return false;
    serve(req, res, url).catch(() => {
      if (!res.headersSent) plain(res, 500, 'the dashboard file could not be read\n');
      else res.destroy();
    });
    return true;
  };
}
