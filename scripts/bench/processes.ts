/**
 * The processes the benchmark starts: mesh, the bare servers and the load generator, each its own
 * Node process running TypeScript through tsx, with the watchdog preloaded. Every one is tracked,
 * so the orchestrator stops them all, even when it fails halfway.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cleanEnv, ROOT, startTs, tsNodeArgs } from '../../shared/testing/processes.js';
import type { Job, LoaderMessage, LoadResult, EventsResult } from './jobs.js';

const WATCHDOG = fileURLToPath(new URL('./watchdog.ts', import.meta.url));
const LOADER = fileURLToPath(new URL('./load.ts', import.meta.url));

/** node flags that run a .ts file the way `npm start` (tsx) does, plus the watchdog. */
function benchNodeArgs(extra: readonly string[] = []): string[] {
  return tsNodeArgs(['--import', WATCHDOG, ...extra]);
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 2_000);
}

/** Stops every process the benchmark started that is still running. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, 3_000)));
}

/** Kills what is left at once, for process exit paths that cannot wait. */
export function killAllChildrenNow(): void {
  for (const child of children) if (!exited(child)) child.kill('SIGKILL');
}

/** A TCP port that was free a moment ago, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartedProcess {
  child: ChildProcess;
  pid: number;
  /** The last 20 kB written on stdout and stderr (for error messages). */
  output(): string;
}

/**
 * Spawns `node <tsx flags> <script>` and resolves once its output matches `ready` (mesh's start
 * line), with that match.
 */
export async function spawnUntilReady(
  script: string,
  options: { env: Record<string, string>; nodeArgs?: readonly string[]; ready: RegExp; timeoutMs?: number },
): Promise<StartedProcess & { match: RegExpMatchArray }> {
  const running = startTs(script, [], options.env, { nodeArgs: benchNodeArgs(options.nodeArgs), outputLimit: 20_000 });
  track(running.child);
  try {
    const match = await running.waitFor(options.ready, options.timeoutMs ?? 60_000);
    return { child: running.child, pid: running.pid, match, output: () => running.output };
  } catch (error) {
    void stopChild(running.child, 1_000);
    throw new Error(`${script}: ${(error as Error).message}`, { cause: error });
  }
}

/** Spawns `node <tsx flags> <script>` without waiting for anything. */
export function spawnTs(script: string, options: { env: Record<string, string>; nodeArgs?: readonly string[] }): ChildProcess {
  return track(
    spawn(process.execPath, [...benchNodeArgs(options.nodeArgs), script], {
      cwd: ROOT,
      env: options.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
}

/** Spawns a program that is not ours (etcd), tracked like the others; its stderr is piped. */
export function spawnProgram(command: string, args: readonly string[], env: Record<string, string>): ChildProcess {
  return track(spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** Forks a .ts module with an IPC channel (the bare servers, the load generator). */
export function forkTs(script: string, env: Record<string, string> = cleanEnv({})): ChildProcess {
  return track(fork(script, [], { cwd: ROOT, env, execArgv: benchNodeArgs(), stdio: ['ignore', 'inherit', 'pipe', 'ipc'] }));
}

export interface LoadHooks {
  /** Called when the load generator starts its clock, and when it stops it: to sample the server's CPU. */
  onMeasuring?(): void;
  onMeasured?(): void;
}

/** Runs one job in a fresh load-generator process and returns its result; kills it if it overruns. */
export function runLoad<R extends LoadResult | EventsResult>(job: Job, hooks: LoadHooks = {}, timeoutMs = 120_000): Promise<R> {
  const child = forkTs(LOADER);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null, result?: R) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopChild(child, 2_000);
      if (error) reject(error);
      else resolve(result as R);
    };
    const timer = setTimeout(() => settle(new Error(`load generator (${job.label}) overran ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (message: LoaderMessage) => {
      if (message.type === 'measuring') hooks.onMeasuring?.();
      else if (message.type === 'measured') hooks.onMeasured?.();
      else if (message.type === 'result') settle(null, message.result as R);
      else if (message.type === 'error') settle(new Error(`load generator (${job.label}): ${message.message}`));
    });
    child.once('exit', (code, signal) =>
      settle(new Error(`load generator (${job.label}) exited (${signal ?? code})\n${stderr.trim()}`)),
    );
    child.send(job);
  });
}
