/**
 * A traffic process of the soak (forked by run.ts, twice): receives one job over IPC, sends its
 * traffic to mesh for the job's duration, answers one result and exits. The legitimate clients
 * and the abusive ones run in separate processes, so the abusers' CPU cannot slow the validators'
 * signing, and each leaves from its own loopback address.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { runForkedJob, sendToParent } from '../bench/forked-job.js';
import type { KeysFile } from '../bench/jobs.js';
import { floodRegistrations, sendBigBatches, subscribeWithoutReading } from './abusers.js';
import { sendHeartbeats } from './heartbeats.js';
import type {
  AbuseJob,
  AbuseResult,
  LegitJob,
  LegitResult,
  TrafficJob,
  TrafficMessage,
  TrafficResult,
  WatcherCounts,
} from './jobs.js';
import { registerAndApprove } from './registrations.js';
import { drainAndClose, openSse, openWatchers, openWs } from './watchers.js';

/** How long after the end the validators still wait for answers (well within the hard limit below). */
const GIVE_UP_AFTER_END_MS = 30_000;

const started = performance.now();
function progress(kind: TrafficJob['kind'], message: string): void {
  process.stderr.write(`[soak ${kind} traffic ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

async function runLegit(job: LegitJob): Promise<LegitResult> {
  const keys = JSON.parse(readFileSync(job.keysFile, 'utf8')) as KeysFile;
  const counts: Record<string, WatcherCounts> = {};
  const stalled = (count: number) => Math.round(count * job.stalledShare);
  const watchers = [
    ...(await openWatchers(
      'SSE',
      job.sseWatchers,
      stalled(job.sseWatchers),
      (paused) => openSse(job.origin, job.localAddress, paused),
      counts,
    )),
    ...(await openWatchers(
      'WebSocket',
      job.wsWatchers,
      stalled(job.wsWatchers),
      (paused) => openWs(job.origin, job.localAddress, paused),
      counts,
    )),
  ];
  progress('legit', `${watchers.length} watchers open; heartbeats and registrations for ${job.durationMs / 1000} s`);
  await send({ type: 'ready' });
  const giveUp = AbortSignal.timeout(job.durationMs + GIVE_UP_AFTER_END_MS);
  // Every request in flight listens to it: thousands, on purpose.
  setMaxListeners(0, giveUp);
  const [heartbeats, decisions] = await Promise.all([
    sendHeartbeats(job, keys.active, giveUp),
    registerAndApprove(job, keys.sovereign.seed, giveUp),
  ]);
  progress('legit', 'sending done; draining the watchers');
  await drainAndClose(watchers, counts);
  progress('legit', 'done');
  return { kind: 'legit', heartbeats, ...decisions, watchers: counts };
}

async function runAbuse(job: AbuseJob): Promise<AbuseResult> {
  const stop = AbortSignal.timeout(job.durationMs);
  setMaxListeners(0, stop);
  const readSubscriber = await subscribeWithoutReading(job);
  progress('abuse', `abusive WebSocket subscribed; batches and registration flood for ${job.durationMs / 1000} s`);
  const [batches, flood] = await Promise.all([sendBigBatches(job, stop), floodRegistrations(job, stop)]);
  progress('abuse', 'done; reading what the abusive WebSocket got');
  return { kind: 'abuse', wsSubscriber: await readSubscriber(), batches, flood };
}

const send = (message: TrafficMessage): Promise<void> => sendToParent(message);

const runJob = (job: TrafficJob): Promise<TrafficResult> => (job.kind === 'legit' ? runLegit(job) : runAbuse(job));
// A hard stop whatever happens: the job's time, plus the answers and drains it waits for.
runForkedJob('soak traffic', runJob, (job) => job.durationMs + 90_000);
