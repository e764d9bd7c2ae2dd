/**
 * Where a process spent its CPU: the top self-time functions of a V8 .cpuprofile (as written by
 * `node --cpu-prof`), optionally only over a time window (the measured load), and the same time
 * grouped by where the code comes from (a package, node's internals, mesh's own folders).
 *
 *   tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded, in ms. */
  busyMs: number;
  idleMs: number;
  functions: SelfTime[];
  origins: SelfTime[];
}

/** Where a frame's code lives: "undici", "node:internal", "server/", "(garbage collector)"… */
export function originOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (frame.url.startsWith('node:')) return 'node:internal';
  const modules = frame.url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = frame.url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? frame.url);
  }
  const folder = frame.url.match(/\/(server|shared|db|client|scripts)\/(?:([^/]+)\/)?/);
  if (folder) return folder[2] && !folder[2].includes('.') ? `${folder[1]}/${folder[2]}/` : `${folder[1]}/`;
  return frame.url;
}

function shortWhere(frame: CallFrame): string {
  if (!frame.url) return '';
  const modules = frame.url.lastIndexOf('/node_modules/');
  const path =
    modules >= 0
      ? frame.url.slice(modules + '/node_modules/'.length)
      : frame.url.replace(/^file:\/\/.*?\/(server|shared|db|client|scripts)\//, '$1/');
  return `${path}:${frame.lineNumber + 1}`;
}

/**
 * Sums self time per function and per origin. `window` (µs, on the profile's own clock, which is
 * the monotonic clock of process.hrtime) keeps only the samples taken in it.
 */
export function summarise(
  profile: CpuProfile,
  options: { top?: number; window?: { start: number; end: number } } = {},
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, { frame: CallFrame; us: number }>();
  const origins = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (options.window && (time < options.window.start || time > options.window.end)) continue;
    const frame = byId.get(profile.samples[index] ?? -1);
    if (!frame) continue;
    // A sample's delta is the time since the previous sample: attribute it to this one.
    if (frame.functionName === '(idle)') {
      idle += delta;
      continue;
    }
    busy += delta;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = functions.get(key) ?? { frame, us: 0 };
    entry.us += delta;
    functions.set(key, entry);
    const origin = originOf(frame);
    origins.set(origin, (origins.get(origin) ?? 0) + delta);
  }
  const top = options.top ?? 25;
  const share = (us: number) => (busy === 0 ? 0 : us / busy);
  return {
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ frame, us }) => ({
        name: frame.functionName || '(anonymous)',
        where: shortWhere(frame),
        ms: us / 1000,
        share: share(us),
      })),
    origins: [...origins.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([origin, us]) => ({ name: origin, where: '', ms: us / 1000, share: share(us) })),
  };
}

export function formatSummary(title: string, summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `${title}: ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle`,
    '  by origin (self time):',
    ...summary.origins
      .slice(0, 15)
      .map((entry) => `    ${pct(entry.share)}  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.name}`),
    '  top functions (self time):',
    ...summary.functions.map(
      (entry) => `    ${pct(entry.share)}  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.name}  ${entry.where}`,
    ),
  ];
  return lines.join('\n');
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(file, summarise(readProfile(file), { top: Number(top ?? 25) }))}\n`);
}
