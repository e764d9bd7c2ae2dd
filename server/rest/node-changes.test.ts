import { describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister, signedSetRegion } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import type { RunningMesh } from '../app.js';
import { sweepOnce } from '../sweeper.js';
import { newSigner, TestClock } from '../testing/harness.js';
import { startTestServer, useCleanups } from '../testing/servers.js';

// GET /nodes?since=R and the paged list, over real HTTP as curl would ask.

const defer = useCleanups();
const network = 'tana';

interface Network {
  running: RunningMesh;
  clock: TestClock;
  sovereign: Signer;
  nodes: Map<string, Signer>;
}

async function call(running: RunningMesh, path: string, init: RequestInit = {}) {
  const response = await fetch(`${running.url}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, any>,
  };
}

async function post(running: RunningMesh, path: string, body: unknown): Promise<void> {
  const answer = await call(running, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

async function startNetwork(config: Record<string, unknown> = {}): Promise<Network> {
  const clock = new TestClock();
  const sovereign = newSigner(clock);
  const running = await startTestServer(defer, {
    clock,
    config: { sovereignKeys: [sovereign.publicKey], rateLimitBurst: 10_000, selfPreservationRatio: 1, ...config },
  });
  return { running, clock, sovereign, nodes: new Map() };
}

async function register(net: Network, nodeId: string, services = [{ type: 'ledger', port: 8080 }]) {
  const key = newSigner(net.clock);
  net.nodes.set(nodeId, key);
  await post(
    net.running,
    '/register',
    signedRegister(key, { nodeId, tailscaleHostname: `${nodeId}.ts.net`, services }, { network }),
  );
}

async function decide(net: Network, action: 'approve' | 'deny' | 'remove', nodeId: string) {
  const nodePublicKey = (net.nodes.get(nodeId) as Signer).publicKey;
  await post(
    net.running,
    `/${action}/${nodeId}`,
    signedNodeDecision(net.sovereign, action, { nodeId, nodePublicKey }, { network }),
  );
}

async function activate(net: Network, ...ids: string[]) {
  for (const id of ids) {
    await register(net, id);
    await decide(net, 'approve', id);
  }
}

const revisionOf = async (net: Network) => (await call(net.running, '/nodes')).body.revision as number;

describe('GET /nodes?since=R', () => {
  it('answers only the node that changed after R, with its current view', async () => {
    const net = await startNetwork();
    await activate(net, 'a', 'b', 'c');
    const since = await revisionOf(net);
    await register(net, 'd');
    const delta = await call(net.running, `/nodes?since=${since}`);
    expect(delta.status).toBe(200);
    expect(delta.body.revision).toBe(since + 1);
    expect(delta.body.changes).toEqual([{ op: 'upsert', node: expect.objectContaining({ id: 'd', status: 'pending' }) }]);
    // Nothing changed since the answer's own revision: an empty delta, and the same one for a repeat.
    const empty = await call(net.running, `/nodes?since=${delta.body.revision}`);
    expect(empty.body).toEqual({ revision: delta.body.revision, changes: [] });
    const again = await call(net.running, `/nodes?since=${delta.body.revision}`, {
      headers: { 'if-none-match': empty.etag ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('answers a node changed several times once, as it is now, and honours the filters', async () => {
    const net = await startNetwork();
    await activate(net, 'a');
    const since = await revisionOf(net);
    await register(net, 'b', [{ type: 'rpc', port: 9000 }]);
    await decide(net, 'approve', 'b');
    const key = net.nodes.get('b') as Signer;
    await post(
      net.running,
      '/region/b',
      signedSetRegion(net.sovereign, { nodeId: 'b', nodePublicKey: key.publicKey, region: 'eu-west' }, { network }),
    );
    const delta = await call(net.running, `/nodes?since=${since}&status=active`);
    expect(delta.body.changes).toHaveLength(1);
    expect(delta.body.changes[0]).toMatchObject({ op: 'upsert', node: { id: 'b', status: 'active', region: 'eu-west' } });
    // A service filter the node does not match: the node is not one the asker holds, so it is a delete.
    expect((await call(net.running, `/nodes?since=${since}&service=ledger`)).body.changes).toEqual([{ op: 'delete', id: 'b' }]);
    expect((await call(net.running, `/nodes?since=${since}&service=rpc&region=eu-west`)).body.changes).toMatchObject([
      { op: 'upsert', node: { id: 'b' } },
    ]);
  });

  it('answers a removed node, and one that left the filter, as deletes', async () => {
    const net = await startNetwork();
    await activate(net, 'a', 'b', 'c');
    net.clock.advance(net.running.mesh.config.offlineAfterMs);
    const since = await revisionOf(net);
    await decide(net, 'remove', 'a');
    // b keeps beating, c falls silent and goes offline: it leaves status=active.
    net.clock.advance(net.running.mesh.config.offlineAfterMs);
    const bKey = net.nodes.get('b') as Signer;
    await post(net.running, '/heartbeat', signedHeartbeat(bKey, { nodeId: 'b' }, { network }));
    expect((await sweepOnce(net.running.mesh)).wentOffline).toEqual(['c']);
    const delta = await call(net.running, `/nodes?since=${since}&status=active`);
    expect(delta.body.changes).toEqual([
      { op: 'delete', id: 'a' },
      { op: 'delete', id: 'c' },
    ]);
    const offline = await call(net.running, `/nodes?since=${since}&status=offline`);
    expect(offline.body.changes).toMatchObject([
      { op: 'delete', id: 'a' },
      { op: 'upsert', node: { id: 'c', status: 'offline' } },
    ]);
  });

  it('answers a reset when the revision was pruned from the events log, or is ahead of it', async () => {
    const net = await startNetwork({ eventRetentionMs: 60_000 });
    await activate(net, 'a', 'b');
    const since = await revisionOf(net);
    net.clock.advance(120_000);
    await register(net, 'c');
    const result = await sweepOnce(net.running.mesh);
    expect(result.eventsPruned).toBeGreaterThan(0);
    const pruned = await call(net.running, `/nodes?since=1`);
    expect(pruned.status).toBe(200);
    expect(pruned.body).toMatchObject({ reset: true, revision: since + 1 });
    expect(pruned.body.reason).toMatch(/pruned: list again/);
    // The newest revision is still answered: the log kept everything after it.
    expect((await call(net.running, `/nodes?since=${since}`)).body.changes).toMatchObject([{ op: 'upsert', node: { id: 'c' } }]);

    const ahead = await call(net.running, `/nodes?since=${since + 1000}`);
    expect(ahead.body).toEqual({ revision: since + 1, reset: true, reason: expect.stringMatching(/ahead of this log/) });
  });

  it('is bounded: more changed nodes than limit answer a reset, and bad parameters a 400 with a message', async () => {
    const net = await startNetwork();
    const since = await revisionOf(net);
    await activate(net, 'a', 'b', 'c');
    expect((await call(net.running, `/nodes?since=${since}&limit=3`)).body.changes).toHaveLength(3);
    const over = await call(net.running, `/nodes?since=${since}&limit=2`);
    expect(over.body).toMatchObject({ reset: true, reason: expect.stringMatching(/more than 2 nodes changed/) });
    const tooMany = await call(net.running, `/nodes?since=${since}&limit=10001`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/at most 10000 changes/);
    const mixed = await call(net.running, `/nodes?since=${since}&sort=uptime`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.message).toMatch(/sort cannot be combined with since/);
    expect((await call(net.running, `/nodes?since=abc`)).status).toBe(400);
  });
});

describe('GET /nodes paged', () => {
  it('walks the whole list a page at a time, in id order, with the next cursor', async () => {
    const net = await startNetwork();
    const ids = ['n01', 'n02', 'n03', 'n04', 'n05', 'n06', 'n07'];
    await activate(net, ...ids);
    await register(net, 'p1');
    const whole = (await call(net.running, '/nodes?status=active')).body;
    expect(whole.next).toBeUndefined();
    const walked: unknown[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const page = (await call(net.running, `/nodes?status=active&limit=3${after ? `&after=${after}` : ''}`)).body as {
        nodes: unknown[];
        next: string | null;
      };
      walked.push(...page.nodes);
      after = page.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(walked).toEqual(whole.nodes);
    // after alone takes the default page size; a cursor past the end is an empty last page.
    expect((await call(net.running, '/nodes?after=n05')).body.nodes.map((node: { id: string }) => node.id)).toEqual([
      'n06',
      'n07',
      'p1',
    ]);
    expect((await call(net.running, '/nodes?after=zzz')).body).toMatchObject({ nodes: [], next: null });
    // Later pages are not kept by URL, but are still answered 304 when unchanged.
    const page = await call(net.running, '/nodes?after=n03&limit=2');
    expect((await call(net.running, '/nodes?after=n03&limit=2', { headers: { 'if-none-match': page.etag ?? '' } })).status).toBe(
      304,
    );
  });

  it('refuses a page size above the maximum, and a sort with pages, with 400 and a message', async () => {
    const net = await startNetwork();
    const big = await call(net.running, '/nodes?limit=10001');
    expect(big.status).toBe(400);
    expect(big.body.error.message).toMatch(/at most 10000 nodes a page/);
    expect((await call(net.running, '/nodes?limit=0')).status).toBe(400);
    const sorted = await call(net.running, '/nodes?limit=5&sort=uptime');
    expect(sorted.status).toBe(400);
    expect(sorted.body.error.message).toMatch(/pages \(limit, after\) follow node ids/);
  });
});

describe('GET /topology', () => {
  it('lists nodes at today’s scale, and leaves them out when asked, saying how to get them', async () => {
    const net = await startNetwork();
    await activate(net, 'a', 'b');
    const full = (await call(net.running, '/topology')).body;
    expect(full.nodes.map((node: { id: string }) => node.id)).toEqual(['a', 'b']);
    expect(full.nodesOmitted).toBeUndefined();
    const bare = (await call(net.running, '/topology?nodes=none')).body;
    expect(bare.nodes).toEqual([]);
    expect(bare.nodesOmitted).toEqual({ count: 2, how: expect.stringContaining('GET /nodes?limit=') });
    expect(bare.counts).toEqual(full.counts);
    expect(bare.services).toEqual(full.services);
    expect((await call(net.running, '/topology?nodes=some')).status).toBe(400);
  });
});
