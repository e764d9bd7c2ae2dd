import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { nodeViewSchema, type NodeView } from '../shared/responses.js';
import type { TrpcHolder } from './trpc-holder.js';
import { isMeshError } from './errors.js';

const peerFileSchema = z.object({ savedAt: z.number(), nodes: z.array(nodeViewSchema) });
export type PeerSnapshot = z.infer<typeof peerFileSchema>;

/**
 * Saves the active peer list. The file is replaced in one rename, so a validator that dies
 * mid-write leaves the previous list, never half of one.
 */
export async function savePeers(path: string, nodes: NodeView[], savedAt = Date.now()): Promise<void> {
  const snapshot: PeerSnapshot = { savedAt, nodes };
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(temporary, `${JSON.stringify(snapshot, null, 2)}\n`);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Error(`cannot save the peer cache ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The saved peer list, or null when none was saved yet. */
export async function loadPeers(path: string): Promise<PeerSnapshot | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw new Error(`cannot read the peer cache ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return peerFileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new Error(`the peer cache ${path} is not a saved peer list`, { cause: error });
  }
}

export interface Peers extends PeerSnapshot {
  /** `mesh` when mesh answered just now; `cache` when it could not be reached and the last saved list stands in. */
  source: 'mesh' | 'cache';
}

export interface DiscoverOptions {
  /** The last-known-good list lives here (a JSON file). */
  cachePath: string;
  /** Only peers offering this service type. */
  service?: string;
}

/**
 * The active peers: from mesh, saving them as the last-known-good list, or from that list when mesh
 * is unreachable, so a validator restarting during a mesh outage still finds its peers. Only
 * UNREACHABLE falls back: a refusal from mesh is an answer, and is thrown.
 */
export async function discoverPeers(client: TrpcHolder, options: DiscoverOptions): Promise<Peers> {
  let peers: Peers;
  try {
    const { nodes } = await client.trpc.node.list.query({ status: 'active' });
    peers = { source: 'mesh', savedAt: Date.now(), nodes };
    await savePeers(options.cachePath, nodes, peers.savedAt);
  } catch (error) {
    if (!isMeshError(error, 'UNREACHABLE')) throw error;
    const cached = await loadPeers(options.cachePath);
    if (!cached) throw error;
    peers = { source: 'cache', ...cached };
  }
  const { service } = options;
  return service ? { ...peers, nodes: peers.nodes.filter((node) => node.services.some((s) => s.type === service)) } : peers;
}
