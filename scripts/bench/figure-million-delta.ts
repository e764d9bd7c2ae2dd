/**
 * Discovery that costs what changed: a delta answer after one change (GET /nodes?since=<revision>)
 * under load, and a full paged walk (GET /nodes?limit=N&after=<id> until the last page), each
 * beside a bare server sending the same bytes. Both need the delta API; when mesh answers 400 to
 * its parameters, the figures say "not available" and the run goes on.
 */
import { writeFileSync } from 'node:fs';
import { signedHeartbeat } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import { privateKeyFromSeed } from '../../shared/sign.js';
import type { LoadResult, NodeKey } from './jobs.js';
import { httpJob, load, type Measured } from './measure.js';
import { stopChild } from './processes.js';
import { formatBytes, formatCount } from './report.js';
import { benchIp } from './seed.js';
import { fetchBounded, fetchOnce, postOnce, startBare, type Fetched, type RunningServer } from './servers.js';
import { NETWORK, progress } from './settings.js';
import { workFile } from './workspace.js';

export const WALK_PAGE = 1_000;
const FILTER = 'status=active';

export interface DeltaFigures {
  /** Why the figures could not be measured (the server refused the parameters), or null. */
  unavailable: string | null;
  delta?: { changes: number; bytes: number; mesh: Measured<LoadResult>; bare: Measured<LoadResult> };
  walk?: { pages: number; nodes: number; bytes: number; meshMs: number; bareMs: number };
}

const json = (answer: Fetched) => JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
const refusal = (path: string, answer: Fetched) =>
  `mesh answered ${answer.status} to GET ${path} (${answer.body.toString('utf8').slice(0, 160).replace(/\s+/g, ' ')})`;

/** Sends one signed heartbeat that moves a node to a new address: one node.updated change. */
async function makeOneChange(mesh: RunningServer, key: NodeKey, minTimestamp: number): Promise<void> {
  const signer = new Signer(privateKeyFromSeed(key.seed));
  const body = signedHeartbeat(
    signer,
    { nodeId: key.nodeId, tailscaleIP: benchIp(4_000_000 - 1) },
    { network: NETWORK, timestamp: Math.max(Date.now(), minTimestamp + 1) },
  );
  const answer = await postOnce(mesh.origin, '/heartbeat', body);
  if (answer !== 200) throw new Error(`the heartbeat that makes the one change answered ${answer}`);
}

/** Walks every page in order, with the URLs asked, the bodies kept on disk, and the time taken. */
async function walk(
  origin: string,
  urls?: string[],
): Promise<{ urls: string[]; files: string[]; nodes: number; bytes: number; ms: number }> {
  const asked: string[] = [];
  const files: string[] = [];
  let nodes = 0;
  let bytes = 0;
  let ms = 0;
  let path: string | null = urls?.[0] ?? `/nodes?${FILTER}&limit=${WALK_PAGE}`;
  while (path) {
    const started = performance.now();
    const answer = await fetchOnce(origin, path, {}, 120_000);
    ms += performance.now() - started;
    if (answer.status !== 200) throw new Error(refusal(path, answer));
    asked.push(path);
    bytes += answer.body.length;
    if (urls) {
      path = urls[asked.length] ?? null;
      continue;
    }
    const page = json(answer) as { nodes: { id: string }[]; next?: string | null };
    nodes += page.nodes.length;
    const file = workFile(`page-${asked.length}.json`);
    writeFileSync(file, answer.body);
    files.push(file);
    const next = page.next === undefined ? (page.nodes.length === WALK_PAGE ? page.nodes.at(-1)?.id : null) : page.next;
    path = next ? `/nodes?${FILTER}&limit=${WALK_PAGE}&after=${encodeURIComponent(next)}` : null;
  }
  return { urls: asked, files, nodes, bytes, ms };
}

/** A delta or a one-node page is small: an answer past this is the whole list, the parameters ignored. */
const SMALL_ANSWER = 4 * 1024 * 1024;

export async function measureDelta(mesh: RunningServer, key: NodeKey, minTimestamp: number): Promise<DeltaFigures> {
  const firstPath = `/nodes?${FILTER}&limit=1`;
  const first = await fetchBounded(mesh.origin, firstPath, SMALL_ANSWER);
  if (first.tooBig) return { unavailable: `paging: mesh ignored limit=1 in GET ${firstPath} and sent the whole list` };
  const revision = first.status === 200 ? json(first).revision : undefined;
  if (typeof revision !== 'number') {
    return { unavailable: `paging: ${refusal(firstPath, first)}${first.status === 200 ? ' without a revision' : ''}` };
  }

  const figures: DeltaFigures = { unavailable: null };
  await makeOneChange(mesh, key, minTimestamp);
  const deltaPath = `/nodes?${FILTER}&since=${revision}`;
  const delta = await fetchBounded(mesh.origin, deltaPath, SMALL_ANSWER);
  const answer =
    delta.status === 200 && !delta.tooBig ? (json(delta) as { changes?: unknown[]; reset?: boolean; reason?: string }) : null;
  if (!answer?.changes) {
    figures.unavailable = delta.tooBig
      ? `delta: mesh ignored since= in GET ${deltaPath} and sent the whole list`
      : answer?.reset
        ? `delta: GET ${deltaPath} answered a reset (${answer.reason ?? 'no reason'})`
        : `delta: ${refusal(deltaPath, delta)}`;
  } else {
    progress(
      `delta: ${answer.changes.length} change(s), ${formatBytes(delta.body.length)}; mesh, then a bare server with the same bytes`,
    );
    const bodyFile = workFile('delta.json');
    writeFileSync(bodyFile, delta.body);
    const headers = { 'content-type': delta.headers['content-type'] ?? 'application/json' };
    const bare = await startBare({ BARE_BODY_FILE: bodyFile, BARE_HEADERS: JSON.stringify(headers) });
    try {
      const meshLoad = await load<LoadResult>(
        mesh,
        httpJob('delta after one change, mesh', mesh.origin, { method: 'GET', path: deltaPath }),
      );
      const bareLoad = await load<LoadResult>(
        bare,
        httpJob('delta after one change, bare', bare.origin, { method: 'GET', path: deltaPath }),
      );
      figures.delta = { changes: answer.changes.length, bytes: delta.body.length, mesh: meshLoad, bare: bareLoad };
    } finally {
      await stopChild(bare.child);
    }
  }

  progress(`paged walk: pages of ${formatCount(WALK_PAGE)}, mesh`);
  const meshWalk = await walk(mesh.origin);
  const pagesFile = workFile('pages.json');
  writeFileSync(pagesFile, JSON.stringify(Object.fromEntries(meshWalk.urls.map((url, index) => [url, meshWalk.files[index]]))));
  progress(`paged walk: ${formatCount(meshWalk.urls.length)} pages, ${formatBytes(meshWalk.bytes)}; the bare server, same pages`);
  const bare = await startBare({ BARE_PAGES: pagesFile, BARE_HEADERS: JSON.stringify({ 'content-type': 'application/json' }) });
  try {
    const bareWalk = await walk(bare.origin, meshWalk.urls);
    figures.walk = {
      pages: meshWalk.urls.length,
      nodes: meshWalk.nodes,
      bytes: meshWalk.bytes,
      meshMs: meshWalk.ms,
      bareMs: bareWalk.ms,
    };
  } finally {
    await stopChild(bare.child);
  }
  return figures;
}
