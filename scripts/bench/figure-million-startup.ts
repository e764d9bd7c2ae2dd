/**
 * At a million nodes: start-up (spawn to the first answered GET /health) beside a fresh process
 * reading the node and service tables once; resident memory after start and after one full
 * GET /nodes?status=active, beside that answer's bytes.
 */
import { memory } from './proc-stats.js';
import { spawnUntilReady, stopChild } from './processes.js';
import { fetchCounting, type RunningServer } from './servers.js';
import { cleanEnv } from '../../shared/testing/processes.js';

export interface TableRead {
  nodesMs: number;
  nodes: number;
  servicesMs: number;
  services: number;
}

export interface StartupFigures {
  startupMs: number;
  tableRead: TableRead;
  rssAfterStart: number;
  fullAnswer: { status: number; bytes: number; ms: number };
  rssAfterAnswer: number;
  peakRss: number;
}

/** SQLite reading every row of nodes and services once, in a process of its own. */
export async function measureTableRead(dbPath: string): Promise<TableRead> {
  const reader = await spawnUntilReady('scripts/bench/table-read.ts', {
    env: cleanEnv({ TABLE_READ_DB: dbPath }),
    ready: /table-read (\{.*\})/,
    timeoutMs: 300_000,
  });
  await stopChild(reader.child);
  return JSON.parse(reader.match[1] ?? '{}') as TableRead;
}

export async function measureStartup(server: RunningServer, startupMs: number, tableRead: TableRead): Promise<StartupFigures> {
  const rssAfterStart = memory(server.pid).rss;
  const fullAnswer = await fetchCounting(server.origin, '/nodes?status=active', 600_000);
  if (fullAnswer.status !== 200) throw new Error(`GET /nodes?status=active answered ${fullAnswer.status}`);
  const after = memory(server.pid);
  return { startupMs, tableRead, rssAfterStart, fullAnswer, rssAfterAnswer: after.rss, peakRss: after.peak };
}
