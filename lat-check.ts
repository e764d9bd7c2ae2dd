import { generateKeyPairSync } from 'node:crypto';
import { Signer } from './client/signer.js';
import { signedNodeDecision, signedRegister } from './client/signed-requests.js';
import { readSseFrames } from './client/sse.js';
import { startMesh } from './server/app.js';
import { loadConfig } from './server/config.js';
import { silentLogger } from './server/log.js';

const threads = process.argv[2] ?? '1';
const sovereign = new Signer(generateKeyPairSync('ed25519').privateKey);
const config = { ...loadConfig({ MESH_DB_URL: `file:/tmp/lat-${threads}.db`, MESH_LOG_REQUESTS: 'false', MESH_VERIFY_THREADS: threads }), port: 0, host: '127.0.0.1', sovereignKeys: [sovereign.publicKey] };
const running = await startMesh(config, { logger: silentLogger });
const post = (path: string, body: unknown) => fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const nodes: Array<{ id: string; key: string }> = [];
for (let i = 0; i < 60; i++) {
  const s = new Signer(generateKeyPairSync('ed25519').privateKey);
  await post('/register', signedRegister(s, { nodeId: `n${i}`, tailscaleHostname: 'h.ts.net' }, { network: 'tana' }));
  nodes.push({ id: `n${i}`, key: s.publicKey });
}
const controller = new AbortController();
const stream = await fetch(`${running.url}/events`, { signal: controller.signal });
const arrivals = new Map<string, number>();
void (async () => { for await (const f of readSseFrames(stream.body as AsyncIterable<Uint8Array>)) { const e = JSON.parse(f.data); if (e.nodeId) arrivals.set(e.nodeId, performance.now()); } })().catch(() => {});
const req: number[] = []; const ev: number[] = [];
for (const node of nodes) {
  const { nodeId: _n, ...body } = signedNodeDecision(sovereign, 'approve', { nodeId: node.id, nodePublicKey: node.key }, { network: 'tana' });
  const t0 = performance.now();
  await post(`/approve/${node.id}`, body);
  req.push(performance.now() - t0);
  while (!arrivals.has(node.id)) await new Promise((r) => setImmediate(r));
  ev.push((arrivals.get(node.id) as number) - t0);
}
const p = (a: number[], q: number) => a.slice(10).sort((x, y) => x - y)[Math.floor((a.length - 10) * q)]?.toFixed(2);
console.log(`threads=${threads} approve p50 ${p(req, 0.5)} p99 ${p(req, 0.99)}; event p50 ${p(ev, 0.5)} p99 ${p(ev, 0.99)}`);
controller.abort();
await running.close();
