/**
 * The README's workflow against a running mesh, through the typed client: register, approve,
 * discover, heartbeat, plus what a runtime can get wrong beside them (a burst of registrations
 * verified on the worker threads, a live watch over SSE, the tRPC WebSocket). `.ci/bun-smoke.sh`
 * runs it on Bun against mesh on Bun; it runs on Node as well.
 *
 *   MESH_URL=http://127.0.0.1:8190 bun scripts/smoke-workflow.ts <sovereign.pem> <node.pem>
 */

import { newEd25519Key } from '../shared/sign.js';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import superjson from 'superjson';
import WebSocket from 'ws';
import { createMeshClient, loadKey, publicKeyHex, type AppRouter } from '../client/index.js';

const [sovereignFile, nodeFile] = process.argv.slice(2);
const url = process.env.MESH_URL;
if (!sovereignFile || !nodeFile || !url) {
  process.stderr.write('usage: MESH_URL=<url> smoke-workflow <sovereign.pem> <node.pem>\n');
  process.exit(2);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`smoke: ${what}`);
  process.stdout.write(`ok  ${what}\n`);
}

const runtime = process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.versions.node}`;
const mesh = createMeshClient({ url });
const sovereign = await loadKey(sovereignFile);
const node = await loadKey(nodeFile);
const info = await mesh.info();
check(info.service === 'mesh', `mesh ${info.version} answers ${runtime}`);

const watcher = new AbortController();
const { revision } = await mesh.trpc.node.list.query({});
const watched = (async () => {
  for await (const message of mesh.watch({ sinceRevision: revision, signal: watcher.signal })) {
    if (message.kind === 'event' && message.event.type === 'node.approved') return message.event.nodeId;
  }
  return null;
})();

const registration = { nodeId: 'validator-smoke', tailscaleHostname: 'validator-smoke.ts.net', tailscaleIP: '100.64.0.9' };
const registered = await mesh.register(node, { ...registration, services: [{ type: 'ledger', port: 8080 }] });
check(registered.status === 'pending', 'register: the node starts pending');
const approved = await mesh.approve(sovereign, registration.nodeId);
check(approved.status === 'active', 'approve: a sovereign makes it active');
const { nodes } = await mesh.trpc.node.list.query({ status: 'active', service: 'ledger' });
check(
  nodes.some((peer) => peer.id === registration.nodeId && peer.public_key === publicKeyHex(node)),
  'discover: it is listed among the active ledger peers',
);
const beat = await mesh.heartbeat(node, registration.nodeId, registration.tailscaleIP);
check(beat.status === 'active', 'heartbeat: received, status active');
check((await watched) === registration.nodeId, 'watch (SSE): the approval arrived as an event');
watcher.abort();

// Arriving together, these are verified as one batch on a worker thread.
const burst = Array.from({ length: 16 }, (_, index) => ({
  key: newEd25519Key(),
  nodeId: `smoke-burst-${index}`,
}));
const results = await Promise.all(
  burst.map(({ key, nodeId }) => mesh.register(key, { nodeId, tailscaleHostname: `${nodeId}.ts.net` })),
);
check(
  results.every((result) => result.status === 'pending'),
  `${burst.length} registrations at once are all accepted`,
);

const ws = createWSClient({
  url: `${url.replace(/^http/, 'ws')}/trpc`,
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
});
try {
  const overWs = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws, transformer: superjson })] });
  const detail = await overWs.node.get.query({ nodeId: registration.nodeId });
  check(detail.status === 'active', 'tRPC over WebSocket answers');
} finally {
  await ws.close();
}
