/** Signed heartbeats over REST and through the tRPC client, on a mesh over 1,000 active nodes with real keys. */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { privateKeyFromSeed, publicKeyHex } from '../../shared/sign.js';
import type { KeysFile, LoadResult, NodeKey } from './jobs.js';
import { HEARTBEAT_TIMEOUT_MS, heartbeatJob, load, type Measured } from './measure.js';
import { formatCount, formatRate } from './report.js';
import { makeNodeKeys, seedDatabase, type SeedNode } from './seed.js';
import type { RunningServer } from './servers.js';
import { CONNECTIONS, HEARTBEAT_NODES, NETWORK, PENDING_NODES, PRESIGNED, progress } from './settings.js';
import { workFile } from './workspace.js';

export interface HeartbeatDb {
  dbPath: string;
  keysFile: string;
  keys: KeysFile;
}

/** 1,000 active nodes and 200 pending ones, their keys in a file the load generator signs with. */
export async function seedHeartbeatDb(name: string): Promise<HeartbeatDb> {
  const sovereignSeed = makeNodeKeys('sovereign', 1)[0]!.seed;
  const keys: KeysFile = {
    network: NETWORK,
    sovereign: { seed: sovereignSeed, publicKey: publicKeyHex(privateKeyFromSeed(sovereignSeed)) },
    active: makeNodeKeys('bench', HEARTBEAT_NODES),
    pending: makeNodeKeys('bench-pending', PENDING_NODES),
  };
  const now = Date.now();
  const asSeed = (key: NodeKey, status: SeedNode['status']): SeedNode => ({
    id: key.nodeId,
    publicKey: key.publicKey,
    ip: key.ip,
    status,
    lastHeartbeat: status === 'active' ? now - randomInt(0, 120_000) : null,
  });
  const dbPath = workFile(`${name}.db`);
  await seedDatabase(dbPath, {
    now,
    sovereignPublicKey: keys.sovereign.publicKey,
    nodes: [...keys.active.map((key) => asSeed(key, 'active')), ...keys.pending.map((key) => asSeed(key, 'pending'))],
  });
  const keysFile = workFile(`${name}.keys.json`);
  writeFileSync(keysFile, JSON.stringify(keys));
  return { dbPath, keysFile, keys };
}

export async function countRows(dbPath: string, table: string): Promise<number> {
  const client = createClient({ url: `file:${dbPath}` });
  try {
    const result = await client.execute(`SELECT count(*) AS n FROM ${table}`);
    return Number(result.rows[0]?.n ?? Number.NaN);
  } finally {
    client.close();
  }
}

export interface HeartbeatFigures {
  rest: Measured<LoadResult>;
  trpc: Measured<LoadResult>;
  /** Rows in the heartbeats table once mesh has stopped; filled in by the caller. */
  persisted: number;
}

export async function measureHeartbeats(mesh: RunningServer, db: HeartbeatDb): Promise<HeartbeatFigures> {
  progress(`heartbeats: REST, ${CONNECTIONS} connections (pre-signing ${formatCount(PRESIGNED)} first)`);
  const rest = await load<LoadResult>(mesh, heartbeatJob('heartbeat-rest', mesh.origin, db.keysFile, 0), HEARTBEAT_TIMEOUT_MS);
  progress(`heartbeats: REST ${formatRate(rest.result.rate)}; tRPC client, ${CONNECTIONS} in flight`);
  const trpc = await load<LoadResult>(
    mesh,
    heartbeatJob('heartbeat-trpc', mesh.origin, db.keysFile, rest.result.lastTimestamp ?? 0),
    HEARTBEAT_TIMEOUT_MS,
  );
  progress(`heartbeats: tRPC ${formatRate(trpc.result.rate)}`);
  return { rest, trpc, persisted: 0 };
}
