/**
 * The processes the benchmark starts: mesh, the bare servers and the load generator, each its own
 * Node process running TypeScript through tsx, with the watchdog preloaded. Every one is tracked,
 * so the orchestrator stops them all, even when it fails halfway.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Job, LoaderMessage, LoadResult, EventsResult } from './jobs.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WATCHDOG = fileURLToPath(new URL('./watchdog.ts', import.meta.url));
const LOADER = fileURLToPath(new URL('./load.ts', import.meta.url));

/** node flags that run a .ts file the way `npm start` (tsx) does, plus the watchdog. */
export function tsNodeArgs(extra: readonly string[] = []): string[] {
  return ['--import', 'tsx', '--import', WATCHDOG, ...extra];
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

/** Only the variables mesh reads come from the benchmark: a MESH_DB_URL in the caller's shell must not redirect it. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('MESH_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * Spawns `node <tsx flags> <script>` and resolves once a stdout line matches `ready` (mesh's start
 * line), with that match.
 */
export function spawnUntilReady(
  script: string,
  options: { env: Record<string, string>; nodeArgs?: readonly string[]; ready: RegExp; timeoutMs?: number },
): Promise<StartedProcess & { match: RegExpMatchArray }> {
  const child = track(
    spawn(process.execPath, [...tsNodeArgs(options.nodeArgs), script], {
      cwd: ROOT,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  let stdout = '';
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    keep(chunk);
  });
  child.stdout?.setEncoding('utf8').on('data', keep);
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      void stopChild(child, 1_000);
      reject(new Error(`${script}: ${message}\n${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${options.timeoutMs ?? 60_000} ms`), options.timeoutMs ?? 60_000);
    const onData = (chunk: string) => {
      stdout = (stdout + chunk).slice(-20_000);
      const match = stdout.match(options.ready);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      resolve({ child, pid: child.pid ?? -1, match, output: () => output });
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before it was ready`);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (error) => fail(error.message));
  });
}

/** Spawns `node <tsx flags> <script>` without waiting for anything. */
export function spawnTs(script: string, options: { env: Record<string, string>; nodeArgs?: readonly string[] }): ChildProcess {
  return track(
    spawn(process.execPath, [...tsNodeArgs(options.nodeArgs), script], {
      cwd: ROOT,
      env: options.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
}

/** Forks a .ts module with an IPC channel (the bare servers, the load generator). */
export function forkTs(script: string, env: Record<string, string> = cleanEnv({})): ChildProcess {
  return track(fork(script, [], { cwd: ROOT, env, execArgv: tsNodeArgs(), stdio: ['ignore', 'inherit', 'pipe', 'ipc'] }));
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

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory now and at its peak, in bytes, from /proc/<pid>/status. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The machine's CPU time so far, in seconds summed over all cores, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; iowait: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user, nice, system, , iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const ticks = (value: number | undefined) => (value ?? Number.NaN) / CLOCK_TICKS;
    return {
      busy: ticks(user) + ticks(nice) + ticks(system) + ticks(irq) + ticks(softirq) + ticks(steal),
      iowait: ticks(iowait),
      steal: ticks(steal),
    };
  } catch {
    return { busy: Number.NaN, iowait: Number.NaN, steal: Number.NaN };
  }
}

export interface CpuShares {
  /** In cores (1 = one core busy the whole time). */
  server: number;
  machine: number;
  iowait: number;
  steal: number;
}

/**
 * Measures the CPU a process uses between the loader's "measuring" and "measured" notices, and
 * the whole machine's, so a figure shows which side was the bottleneck and whether anything else
 * was running.
 */
export function cpuMeter(pid: number): LoadHooks & { shares(): CpuShares } {
  let start = Number.NaN;
  let machineStart = machineCpuSeconds();
  let startedAt = 0;
  let shares: CpuShares = { server: Number.NaN, machine: Number.NaN, iowait: Number.NaN, steal: Number.NaN };
  return {
    onMeasuring() {
      start = cpuSeconds(pid);
      machineStart = machineCpuSeconds();
      startedAt = performance.now();
    },
    onMeasured() {
      const elapsed = (performance.now() - startedAt) / 1000;
      const machine = machineCpuSeconds();
      shares = {
        server: (cpuSeconds(pid) - start) / elapsed,
        machine: (machine.busy - machineStart.busy) / elapsed,
        iowait: (machine.iowait - machineStart.iowait) / elapsed,
        steal: (machine.steal - machineStart.steal) / elapsed,
      };
    },
    shares: () => shares,
  };
}

/**
 * Waits until the machine is quiet: less than `threshold` cores busy over a short sample (the
 * previous figure's server may still be answering requests left in flight, and other work may be
 * running on the machine). Gives up after `maxMs`; returns how long it waited and the last sample.
 */
export async function waitForQuiet(options: {
  threshold?: number;
  sampleMs?: number;
  maxMs: number;
}): Promise<{ waitedMs: number; busy: number }> {
  const threshold = options.threshold ?? 0.25;
  const sampleMs = options.sampleMs ?? 300;
  const started = performance.now();
  let busy = Number.NaN;
  do {
    const before = machineCpuSeconds().busy;
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    busy = (machineCpuSeconds().busy - before) / (sampleMs / 1000);
    if (!(busy >= threshold)) break;
  } while (performance.now() - started < options.maxMs);
  return { waitedMs: performance.now() - started, busy };
}
