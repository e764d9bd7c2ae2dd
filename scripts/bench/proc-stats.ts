/**
 * CPU and memory figures from /proc: of one process (the server under load) and of the whole
 * machine (to tell which side was the bottleneck, and whether anything else was running).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { LoadHooks } from './processes.js';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process (or one thread, given its stat file) has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number, statFile = `/proc/${pid}/stat`): number {
  try {
    const stat = readFileSync(statFile, 'utf8');
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
  let busy: number;
  do {
    const before = machineCpuSeconds().busy;
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    busy = (machineCpuSeconds().busy - before) / (sampleMs / 1000);
    if (!(busy >= threshold)) break;
  } while (performance.now() - started < options.maxMs);
  return { waitedMs: performance.now() - started, busy };
}

/** CPU seconds (user + system) of each thread of a process so far, by thread id, from /proc/<pid>/task. */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    const seconds = cpuSeconds(Number(tid), `/proc/${pid}/task/${tid}/stat`);
    if (Number.isFinite(seconds)) threads.set(Number(tid), seconds);
  }
  return threads;
}

/** CPU of a process's threads over a window, in cores: its main thread, its busiest others, the rest. */
export interface ThreadSplit {
  main: number;
  /** The `busiest` threads besides the main one, busiest first. */
  busiest: number[];
  /** Every other thread together (V8's garbage-collector helpers, libuv's pool). */
  rest: number;
}

/**
 * Splits the CPU a process used between two samples of threadCpuSeconds: the main thread (its id
 * is the process id), the `busiest` other threads, and the rest. A thread that started in between
 * counts from zero; one that ended is lost with its time.
 */
export function splitThreadCpu(
  pid: number,
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  elapsedSeconds: number,
  busiest: number,
): ThreadSplit {
  let main = 0;
  const others: number[] = [];
  for (const [tid, seconds] of after) {
    const used = (seconds - (before.get(tid) ?? 0)) / elapsedSeconds;
    if (tid === pid) main = used;
    else others.push(used);
  }
  others.sort((a, b) => b - a);
  const top = others.slice(0, busiest);
  return { main, busiest: top, rest: others.slice(busiest).reduce((sum, used) => sum + used, 0) };
}

/** Samples a process's threads when the load generator starts and stops its clock. */
export function threadCpuMeter(pid: number, busiest: number): LoadHooks & { split(): ThreadSplit | null } {
  let before = new Map<number, number>();
  let startedAt = 0;
  let split: ThreadSplit | null = null;
  return {
    onMeasuring() {
      before = threadCpuSeconds(pid);
      startedAt = performance.now();
    },
    onMeasured() {
      split = splitThreadCpu(pid, before, threadCpuSeconds(pid), (performance.now() - startedAt) / 1000, busiest);
    },
    split: () => split,
  };
}
