/**
 * Seeds a mesh database file directly, in big transactions, before mesh starts: 100,000 nodes
 * through the signed API would take longer than the benchmark itself. The rows are what mesh
 * itself writes (db/schema.ts), so mesh loads them as it would its own.
 */
import { randomBytes } from 'node:crypto';
import { openDatabase, type Tx } from '../../db/database.js';
import { heartbeats, nodes, services, sovereignKeys } from '../../db/schema.js';
import type { NodeStatus } from '../../shared/fields.js';
import { privateKeyFromSeed, publicKeyHex } from '../../shared/sign.js';
import type { NodeKey } from './jobs.js';

export interface SeedNode {
  id: string;
  publicKey: string;
  ip: string;
  status: NodeStatus;
  lastHeartbeat: number | null;
}

export interface SeedSpec {
  /** The time the rows are written "at": registration, approval and heartbeats are set relative to it. */
  now: number;
  sovereignPublicKey: string;
  nodes: readonly SeedNode[];
  /** Heartbeat rows (the history the sweeper prunes). */
  heartbeats?: readonly { nodeId: string; timestamp: number }[];
}

const CHUNK = 400;

/** "bench-000042": fixed width, so no node id is a prefix of another (the events figure searches for ids). */
export function benchNodeId(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(6, '0')}`;
}

/** An address in Tailscale's 100.64.0.0/10 range, one per index. */
export function benchIp(index: number): string {
  return `100.${64 + ((index >> 16) & 63)}.${(index >> 8) & 255}.${index & 255}`;
}

/** Real Ed25519 keys, for nodes that will sign heartbeats or be approved. */
export function makeNodeKeys(prefix: string, count: number, firstIndex = 0): NodeKey[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = firstIndex + offset;
    const seed = randomBytes(32).toString('hex');
    return { nodeId: benchNodeId(prefix, index), seed, publicKey: publicKeyHex(privateKeyFromSeed(seed)), ip: benchIp(index) };
  });
}

/** A random 32-byte public key: enough for nodes that are only listed, never verified. */
export function randomPublicKey(): string {
  return randomBytes(32).toString('hex');
}

async function insertChunked<T>(items: readonly T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await insert(items.slice(start, start + size));
}

async function writeRows(tx: Tx, spec: SeedSpec): Promise<void> {
  const { now } = spec;
  await tx
    .insert(sovereignKeys)
    .values({ publicKey: spec.sovereignPublicKey, description: 'bench sovereign', addedAt: now - 86_400_000, addedBy: null })
    .onConflictDoNothing();
  await insertChunked(spec.nodes, CHUNK, (chunk) =>
    tx.insert(nodes).values(
      chunk.map((node) => ({
        id: node.id,
        publicKey: node.publicKey,
        tailscaleHostname: `${node.id}.tail0bench.ts.net`,
        tailscaleIp: node.ip,
        status: node.status,
        registeredAt: now - 86_400_000,
        approvedAt: node.status === 'pending' ? null : now - 86_400_000 + 60_000,
        approvedBy: node.status === 'pending' ? null : spec.sovereignPublicKey,
        lastHeartbeat: node.lastHeartbeat,
        registrationSignature: randomBytes(64).toString('hex'),
      })),
    ),
  );
  // Two services per node, as a validator typically announces: what discovery answers carries.
  await insertChunked(spec.nodes, CHUNK, (chunk) =>
    tx.insert(services).values(
      chunk.flatMap((node) => [
        { nodeId: node.id, serviceType: 'validator', port: 9000, publicKey: node.publicKey, position: 0 },
        { nodeId: node.id, serviceType: 'rpc', port: 8545, publicKey: null, position: 1 },
      ]),
    ),
  );
  await insertChunked(spec.heartbeats ?? [], CHUNK * 2, (chunk) =>
    tx
      .insert(heartbeats)
      .values(chunk.map((row, index) => ({ nodeId: row.nodeId, timestamp: row.timestamp, tailscaleIp: benchIp(index) }))),
  );
}

/** Creates the database at `dbPath` (migrations applied by openDatabase) and writes the rows. */
export async function seedDatabase(dbPath: string, spec: SeedSpec): Promise<void> {
  const database = await openDatabase(`file:${dbPath}`);
  try {
    await database.write((tx) => writeRows(tx, spec));
    // Leave a compact file behind, with no WAL to replay at mesh's start-up.
    await database.client.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    database.close();
  }
}
