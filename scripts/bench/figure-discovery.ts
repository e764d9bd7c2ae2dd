/**
 * Discovery: GET /nodes?status=active, full answers and 304s, from mesh and from a bare server
 * sending the same bytes and headers from memory.
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { LoadResult } from './jobs.js';
import { httpJob, load, type Measured } from './measure.js';
import { stopChild } from './processes.js';
import { formatBytes, formatCount } from './report.js';
import { benchIp, benchNodeId, randomPublicKey, seedDatabase } from './seed.js';
import { fetchOnce, startBare, type RunningServer } from './servers.js';
import { progress } from './settings.js';
import { workFile } from './workspace.js';

export interface DiscoveryFigures {
  nodes: number;
  bytes: number;
  meshFull: Measured<LoadResult>;
  bareFull: Measured<LoadResult>;
  mesh304: Measured<LoadResult>;
  bare304: Measured<LoadResult>;
}

/** A database of `count` active nodes with random keys, for discovery only. */
export async function seedDiscoveryDb(count: number, sovereignPublicKey: string): Promise<string> {
  const dbPath = workFile('discovery.db');
  const now = Date.now();
  await seedDatabase(dbPath, {
    now,
    sovereignPublicKey,
    nodes: Array.from({ length: count }, (_, index) => ({
      id: benchNodeId('disc', index),
      publicKey: randomPublicKey(),
      ip: benchIp(index),
      status: 'active' as const,
      lastHeartbeat: now - randomInt(0, 120_000),
    })),
  });
  return dbPath;
}

export async function measureDiscovery(mesh: RunningServer, expectedNodes: number): Promise<DiscoveryFigures> {
  const path = '/nodes?status=active';
  const first = await fetchOnce(mesh.origin, path);
  if (first.status !== 200) throw new Error(`GET ${path} answered ${first.status}: ${first.body.toString('utf8').slice(0, 300)}`);
  const listed = (JSON.parse(first.body.toString('utf8')) as { nodes: unknown[] }).nodes.length;
  if (listed !== expectedNodes) throw new Error(`GET ${path} listed ${listed} nodes, expected ${expectedNodes}`);
  const etag = first.headers.etag;
  if (!etag) throw new Error(`GET ${path} sent no ETag`);
  const revalidated = await fetchOnce(mesh.origin, path, { 'if-none-match': etag });
  if (revalidated.status !== 304) throw new Error(`GET ${path} with its own ETag answered ${revalidated.status}, not 304`);

  const bodyFile = workFile(`discovery-${expectedNodes}.json`);
  writeFileSync(bodyFile, first.body);
  const copied: Record<string, string> = {};
  for (const name of ['content-type', 'cache-control', 'etag']) if (first.headers[name]) copied[name] = first.headers[name];
  const bare = await startBare({ BARE_BODY_FILE: bodyFile, BARE_HEADERS: JSON.stringify(copied), BARE_ETAG: etag });
  try {
    const size = formatCount(expectedNodes);
    progress(`discovery ${size}: mesh, full answers (${formatBytes(first.body.length)})`);
    const meshFull = await load<LoadResult>(mesh, httpJob(`discovery ${size} mesh full`, mesh.origin, { method: 'GET', path }));
    progress(`discovery ${size}: bare server, same bytes`);
    const bareFull = await load<LoadResult>(bare, httpJob(`discovery ${size} bare full`, bare.origin, { method: 'GET', path }));
    const revalidation = { method: 'GET' as const, path, headers: { 'if-none-match': etag }, expectStatus: 304 };
    progress(`discovery ${size}: mesh, 304 answers`);
    const mesh304 = await load<LoadResult>(mesh, httpJob(`discovery ${size} mesh 304`, mesh.origin, revalidation));
    progress(`discovery ${size}: bare server, 304 answers`);
    const bare304 = await load<LoadResult>(bare, httpJob(`discovery ${size} bare 304`, bare.origin, revalidation));
    return { nodes: expectedNodes, bytes: first.body.length, meshFull, bareFull, mesh304, bare304 };
  } finally {
    await stopChild(bare.child);
  }
}
