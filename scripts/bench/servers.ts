/** mesh and the bare server as processes of the benchmark, and the one plain request it makes for setup and checks. */
import { request as httpRequest } from 'node:http';
import { cleanEnv } from '../../shared/testing/processes.js';
import { freePort, spawnTs, spawnUntilReady, type StartedProcess } from './processes.js';
import { NETWORK } from './settings.js';

export interface RunningServer extends StartedProcess {
  origin: string;
}

const MESH_READY = /mesh \S+ on ([^\s,]+):(\d+),/;
const BARE_READY = /bare listening on 127\.0\.0\.1:(\d+)/;

export function meshEnv(dbPath: string, port = 0): Record<string, string> {
  return cleanEnv({
    MESH_PORT: String(port),
    MESH_HOST: '127.0.0.1',
    MESH_DB_PATH: dbPath,
    MESH_NETWORK: NETWORK,
    MESH_LOG_REQUESTS: 'false',
    // The bench's nodes register made-up addresses: probing them would only add connects that time out.
    MESH_SERVICE_PROBE_INTERVAL_MS: '0',
  });
}

/** Starts mesh on `dbPath`; `env` adds to or overrides meshEnv. */
export async function startMesh(
  dbPath: string,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const started = await spawnUntilReady('server/main.ts', { env: { ...meshEnv(dbPath), ...env }, nodeArgs, ready: MESH_READY });
  return { ...started, origin: `http://127.0.0.1:${started.match[2]}` };
}

export async function startBare(env: Record<string, string> = {}): Promise<RunningServer> {
  const started = await spawnUntilReady('scripts/bench/bare-server.ts', { env: cleanEnv(env), ready: BARE_READY });
  return { ...started, origin: `http://127.0.0.1:${started.match[1]}` };
}

/** Spawns a server (`spawnIt`, listening on `port`) and times it to its first answered GET /health. */
export async function timeToFirstAnswer(
  spawnIt: () => { pid: number },
  port: number,
  timeoutMs = 60_000,
): Promise<{ ms: number; pid: number }> {
  const started = performance.now();
  const { pid } = spawnIt();
  const origin = `http://127.0.0.1:${port}`;
  while (performance.now() - started < timeoutMs) {
    try {
      const answer = await fetchOnce(origin, '/health', {}, 1_000);
      if (answer.status === 200) return { ms: performance.now() - started, pid };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no answer on ${origin}/health within ${timeoutMs} ms`);
}

/** Starts mesh on `dbPath` the way the operator would, timing it; the caller stops it. */
export async function startTimedMesh(
  dbPath: string,
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): Promise<{ server: RunningServer; ms: number }> {
  const port = await freePort();
  let child: ReturnType<typeof spawnTs> | undefined;
  let stderr = '';
  const started = await timeToFirstAnswer(
    () => {
      child = spawnTs('server/main.ts', { env: { ...meshEnv(dbPath, port), ...env } });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
      return { pid: child.pid ?? -1 };
    },
    port,
    timeoutMs,
  );
  const server: RunningServer = { child: child!, pid: started.pid, origin: `http://127.0.0.1:${port}`, output: () => stderr };
  return { server, ms: started.ms };
}

export interface Fetched {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One plain request (setup and checks, not load). */
export function fetchOnce(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') flat[name] = value;
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** One JSON POST on a fresh connection (setup and single timed changes, not load); resolves with the status once the answer is complete. */
export function postOnce(origin: string, path: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${origin}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** One GET whose body is counted, not kept (answers of hundreds of megabytes). */
export function fetchCounting(
  origin: string,
  path: string,
  timeoutMs = 120_000,
): Promise<{ status: number; bytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** One GET kept only up to `maxBytes`: a bigger body is cut off and reported as `tooBig` (a server ignoring a page size). */
export function fetchBounded(
  origin: string,
  path: string,
  maxBytes: number,
  timeoutMs = 120_000,
): Promise<Fetched & { tooBig: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') flat[name] = value;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks), tooBig: true });
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks), tooBig: false }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
