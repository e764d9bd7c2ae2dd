import { generateKeyPairSync } from 'node:crypto';
import { Signer } from './client/signer.js';
import { signedNodeDecision, signedRegister } from './client/signed-requests.js';
import { createMesh } from './server/mesh.js';
import { createContext } from './server/context.js';
import { createCaller } from './server/routers/_app.js';
import { loadConfig } from './server/config.js';
import { silentLogger } from './server/log.js';
import { nodes } from './db/schema.js';
import { eq } from 'drizzle-orm';

const sovereign = new Signer(generateKeyPairSync('ed25519').privateKey);
const config = { ...loadConfig({ MESH_DB_URL: `file:/tmp/lat-x.db`, MESH_VERIFY_THREADS: '0' }), sovereignKeys: [sovereign.publicKey] };
const mesh = await createMesh(config, { logger: silentLogger });
const api = createCaller(createContext(mesh));
const list: Array<{ id: string; key: string }> = [];
for (let i = 0; i < 200; i++) {
  const s = new Signer(generateKeyPairSync('ed25519').privateKey);
  await api.node.register(signedRegister(s, { nodeId: `n${i}`, tailscaleHostname: 'h.ts.net' }, { network: 'tana' }));
  list.push({ id: `n${i}`, key: s.publicKey });
}
const t: number[] = [];
for (const node of list) {
  const req = signedNodeDecision(sovereign, 'approve', { nodeId: node.id, nodePublicKey: node.key }, { network: 'tana' });
  const t0 = performance.now(); await api.sovereign.approve(req); t.push(performance.now() - t0);
}
const tx: number[] = [];
for (let i = 0; i < 200; i++) { const t0 = performance.now(); await mesh.database.write(async (x) => { await x.update(nodes).set({ lastHeartbeat: i }).where(eq(nodes.id, 'n1')); }); tx.push(performance.now() - t0); }
const sel: number[] = [];
for (let i = 0; i < 200; i++) { const t0 = performance.now(); await mesh.database.db.select().from(nodes).where(eq(nodes.id, 'n1')); sel.push(performance.now() - t0); }
const p = (a: number[], q: number) => a.slice().sort((x, y) => x - y)[Math.floor(a.length * q)]?.toFixed(3);
console.log(`approve via caller p50 ${p(t, 0.5)} p99 ${p(t, 0.99)}; one-update tx p50 ${p(tx, 0.5)} p99 ${p(tx,0.99)}; select p50 ${p(sel, 0.5)}`);
mesh.close();
