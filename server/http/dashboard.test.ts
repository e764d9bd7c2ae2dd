import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startMesh } from '../app.js';
import { silentLogger } from '../log.js';
import { tempDir, testConfig } from '../testing/harness.js';
import { useCleanups } from '../testing/servers.js';

const defer = useCleanups();

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path exactly as given: fetch would normalise the `..` segments these tests need. */
function raw(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A built dashboard in a temp dir, with a secret beside it that no URL may reach. */
function builtDashboard(): string {
  const temp = tempDir();
  defer(() => temp.cleanup());
  const dir = temp.dir;
  const dist = join(dir, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), 'do not serve');
  writeFileSync(join(dist, '.hidden'), 'do not serve either');
  writeFileSync(join(dist, 'index.html'), `<!doctype html><title>mesh</title>${'<!-- padding -->'.repeat(64)}`);
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(2000))});`);
  writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body{color:#111}');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dist;
}

async function meshWithDashboard(dashboardDir: string) {
  const running = await startMesh(testConfig({ host: '127.0.0.1', port: 0 }), { logger: silentLogger, dashboardDir });
  defer(() => running.close());
  return running.url;
}

describe('the dashboard on mesh’s port', () => {
  it('serves index.html and hashed assets with their types and caching', async () => {
    const url = await meshWithDashboard(builtDashboard());
    const page = await raw(url, '/ui/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body.toString()).toContain('<title>mesh</title>');

    const script = await raw(url, '/ui/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(script.body).toString()).toContain('console.log');

    const style = await raw(url, '/ui/assets/index-abc123.css');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.headers['content-encoding']).toBeUndefined();
    expect(style.body.toString()).toBe('body{color:#111}');
    expect((await raw(url, '/ui/favicon.svg')).headers['content-type']).toBe('image/svg+xml');

    const again = await raw(url, '/ui/', { 'if-none-match': String(page.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const head = await raw(url, '/ui/assets/index-abc123.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await raw(url, '/ui/', {}, 'POST')).status).toBe(405);
  });

  it('is counted in the metrics under one route label, whatever file was asked for', async () => {
    const url = await meshWithDashboard(builtDashboard());
    for (const path of ['/ui/', '/ui/assets/index-abc123.js', '/ui/nodes/validator-a', '/ui/no-such-file.png'])
      await raw(url, path);
    const metrics = (await raw(url, '/metrics')).body.toString();
    const dashboardLines = metrics
      .split('\n')
      .filter((line) => line.startsWith('mesh_http_requests_total{') && line.includes('/ui'));
    expect(dashboardLines.join('\n')).toMatch(/route="\/ui\/\*",status_class="2xx"} 3/);
    expect(dashboardLines.join('\n')).toMatch(/route="\/ui\/\*",status_class="4xx"} 1/);
    expect(dashboardLines.every((line) => line.includes('route="/ui/*"'))).toBe(true);
  });

  it('opens a view from a link, and answers 404 for a missing file', async () => {
    const url = await meshWithDashboard(builtDashboard());
    const view = await raw(url, '/ui/nodes/validator-a');
    expect(view.status).toBe(200);
    expect(view.body.toString()).toContain('<title>mesh</title>');
    expect((await raw(url, '/ui/assets/missing-123.js')).status).toBe(404);
  });

  it('never serves a file outside its folder, nor a hidden one', async () => {
    const url = await meshWithDashboard(builtDashboard());
    for (const path of [
      '/ui/../secret.txt',
      '/ui/..%2fsecret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/%00index.html',
      '/ui/.hidden',
      '/ui/%E0%A4%A',
    ]) {
      const response = await raw(url, path);
      expect(response.body.toString(), path).not.toContain('do not serve');
      expect([400, 404], path).toContain(response.status);
    }
  });

  it('sends a browser at / to /ui/, but not an API client', async () => {
    const url = await meshWithDashboard(builtDashboard());
    const browser = await raw(url, '/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/ui/');
    const api = await raw(url, '/', { accept: 'application/json' });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ success: false });
    const curl = await raw(url, '/', { accept: '*/*' });
    expect(curl.status).toBe(404);
    expect((await raw(url, '/ui')).headers.location).toBe('/ui/');
    // The API around it is untouched.
    expect((await raw(url, '/health')).status).toBe(200);
  });

  it('still starts without a built dashboard, and says so at /ui/', async () => {
    const temp = tempDir();
    defer(() => temp.cleanup());
    const url = await meshWithDashboard(join(temp.dir, 'never-built'));
    const page = await raw(url, '/ui/');
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toContain('npm run build');
    expect((await raw(url, '/ui/nodes')).status).toBe(503);
    expect((await raw(url, '/health')).status).toBe(200);
  });
});
