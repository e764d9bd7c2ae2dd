/**
 * Events: the delay from an approval to its arrival on SSE streams, with 1 and 1,000 subscribers,
 * from mesh and from a bare node:http SSE server broadcasting the same approvals.
 */
import type { EventsResult } from './jobs.js';
import type { HeartbeatDb } from './figure-heartbeats.js';
import { load, type Measured } from './measure.js';
import { stopChild } from './processes.js';
import { startBare, type RunningServer } from './servers.js';
import { NETWORK, progress } from './settings.js';

export interface EventsPair {
  one: Measured<EventsResult>;
  thousand: Measured<EventsResult>;
}

export interface EventsFigures {
  mesh: EventsPair;
  /** The bare server broadcasting the same events: the floor, on this machine, with this load generator. */
  bare: EventsPair;
}

async function eventsPair(server: RunningServer, db: HeartbeatDb, minTimestamp: number, name: string): Promise<EventsPair> {
  const base = {
    kind: 'events' as const,
    origin: server.origin,
    keysFile: db.keysFile,
    network: NETWORK,
    changeTimeoutMs: 2_000,
  };
  progress(`events: ${name}, 1 subscriber`);
  const one = await load<EventsResult>(server, {
    ...base,
    label: `events ${name} 1`,
    subscribers: 1,
    changes: 100,
    firstPending: 0,
    minTimestamp,
  });
  progress(`events: ${name}, 1,000 subscribers`);
  const thousand = await load<EventsResult>(server, {
    ...base,
    label: `events ${name} 1000`,
    subscribers: 1_000,
    changes: 50,
    firstPending: 100,
    minTimestamp: one.result.lastTimestamp,
  });
  return { one, thousand };
}

export async function measureEvents(mesh: RunningServer, db: HeartbeatDb, minTimestamp: number): Promise<EventsFigures> {
  const meshFigures = await eventsPair(mesh, db, minTimestamp, 'mesh');
  const bare = await startBare();
  try {
    return { mesh: meshFigures, bare: await eventsPair(bare, db, 0, 'bare SSE server') };
  } finally {
    await stopChild(bare.child);
  }
}
