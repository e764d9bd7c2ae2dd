/**
 * CPU and memory figures from /proc: of one process (the server under load) and of the whole
 * machine (to tell which side was the bottleneck, and whether anything else was running).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadHooks } from './processes.js';

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
  let busy: number;
  do {
    const before = machineCpuSeconds().busy;
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    busy = (machineCpuSeconds().busy - before) / (sampleMs / 1000);
    if (!(busy >= threshold)) break;
  } while (performance.now() - started < options.maxMs);
  return { waitedMs: performance.now() - started, busy };
}
