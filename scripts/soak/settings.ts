/** What one `npm run soak` runs and for how long: its command-line flags and its fixed sizes. */
import { parseArgs } from 'node:util';

export interface SoakSettings {
  minutes: number;
  /** Append (or replace) the "## Soak" section of BENCHMARKS.md. */
  record: boolean;
  nodes: number;
  watchers: number;
  lockSeconds: number;
  /** node.list calls in each of the abuser's tRPC batches. */
  batchSize: number;
}

export const USAGE = `npm run soak -- [--minutes 10] [--nodes 10000] [--watchers 200] [--lock-seconds 5] [--batch-size 100] [--record]`;

function positive(name: string, text: string | undefined, fallback: number, whole: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
    throw new Error(`--${name} takes a ${whole ? 'whole ' : ''}number above 0, not ${JSON.stringify(text)}\n${USAGE}`);
  }
  return value;
}

export function parseSoakArgs(argv: readonly string[]): SoakSettings {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      nodes: { type: 'string' },
      watchers: { type: 'string' },
      'lock-seconds': { type: 'string' },
      'batch-size': { type: 'string' },
      record: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return {
    minutes: positive('minutes', values.minutes, 10, false),
    record: values.record,
    nodes: positive('nodes', values.nodes, 10_000, true),
    watchers: positive('watchers', values.watchers, 200, true),
    lockSeconds: positive('lock-seconds', values['lock-seconds'], 5, false),
    batchSize: positive('batch-size', values['batch-size'], 100, true),
  };
}

export const LEGIT_ADDRESS = '127.0.0.1';
export const ABUSER_ADDRESS = '127.0.0.2';
/** A validator's normal heartbeat interval. */
export const HEARTBEAT_INTERVAL_MS = 120_000;
export const REGISTRATIONS_PER_SECOND = 3;
/** Of the watchers, a quarter over WebSocket, the rest SSE; of each, this share never reads. */
export const WS_WATCHER_SHARE = 0.25;
export const STALLED_SHARE = 0.1;
export const ABUSIVE_WS_SUBSCRIPTIONS = 500;
export const MAX_FLOOD_REGISTRATIONS = 200_000;
export const MEMORY_SAMPLE_MS = 10_000;
export const HEALTH_SAMPLE_MS = 1_000;
export const LOCK_EVERY_MS = 60_000;
/** The first lock comes half a period in, so a one-minute run has one too. */
export const FIRST_LOCK_MS = 30_000;
/** Resident memory is flat when the last third's highest sample is at most this much above the first third's. */
export const FLAT_BOUND_BYTES = 64 * 1024 * 1024;

const started = performance.now();
export function progress(message: string): void {
  process.stderr.write(`[soak ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}
