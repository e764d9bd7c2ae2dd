import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import type { MeshEvent, WatchMessage } from '../../shared/events.js';
import { sweepOnce } from '../sweeper.js';
import { createTestMesh, newSigner, type TestMesh } from '../testing/harness.js';
import { watchEvents, WATCH_QUEUE_CAPACITY } from './watch.js';

let t: TestMesh;
beforeEach(async () => {
  // The clock moves past the events' retention here, and watchers see over 1,000 registrations:
  // pending nodes neither expire nor fill up (sweeper.test.ts and _app.test.ts test those limits).
  t = await createTestMesh({ config: { pendingTtlMs: Number.MAX_SAFE_INTEGER, maxPending: 1_000_000 } });
});
afterEach(() => t.mesh.close());

async function register(nodeId: string) {
  const node = newSigner(t.clock);
  await t.api.node.register(signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: t.network }));
  return node;
}

/** Takes `count` messages from a stream, then lets it go (as a disconnecting client does). */
async function take(stream: AsyncIterator<WatchMessage>, count: number): Promise<WatchMessage[]> {
  const messages: WatchMessage[] = [];
  while (messages.length < count) {
    const next = await stream.next();
    if (next.done) break;
    messages.push(next.value);
  }
  return messages;
}

const revisions = (messages: WatchMessage[]) =>
  messages.map((m) => (m.kind === 'event' ? m.event.revision : `reset@${m.revision}`));

describe('watchEvents', () => {
  it('delivers every event after a revision, in order, then live ones as they commit', async () => {
    await register('a');
    await register('b');
    const stream = watchEvents(t.mesh, { sinceRevision: 1 });
    const backlog = take(stream, 3);
    await register('c');
    expect(revisions(await backlog)).toEqual([2, 3, 4]);
    await stream.return(undefined);
  });

  it('loses nothing between a list and a watch started from its revision', async () => {
    await register('a');
    const { revision, nodes } = await t.api.node.list({});
    expect(nodes.map((n) => n.id)).toEqual(['a']);
    // A change lands after the list and before the watch starts.
    await register('b');
    const stream = watchEvents(t.mesh, { sinceRevision: revision });
    const first = take(stream, 2);
    await register('c');
    const messages = (await first) as Array<{ kind: 'event'; event: MeshEvent }>;
    expect(messages.map((m) => m.event.nodeId)).toEqual(['b', 'c']);
    await stream.return(undefined);
  });

  it('resumes after a disconnect from the last revision seen, with nothing lost or doubled', async () => {
    for (const id of ['a', 'b', 'c']) await register(id);
    const first = watchEvents(t.mesh, { sinceRevision: 0 });
    const seen = await take(first, 2);
    await first.return(undefined);
    for (const id of ['d', 'e']) await register(id);
    const last = seen.at(-1);
    const resumed = watchEvents(t.mesh, { sinceRevision: last?.kind === 'event' ? last.event.revision : 0 });
    const rest = await take(resumed, 4);
    await resumed.return(undefined);
    expect(revisions([...seen, ...rest])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('filters by type and node', async () => {
    const a = await register('a');
    await register('b');
    await t.api.sovereign.approve(
      signedNodeDecision(t.sovereign, 'approve', { nodeId: 'a', nodePublicKey: a.publicKey }, { network: t.network }),
    );
    const byType = watchEvents(t.mesh, { sinceRevision: 0, types: ['node.approved'] });
    expect(await take(byType, 1)).toMatchObject([{ kind: 'event', event: { type: 'node.approved', nodeId: 'a' } }]);
    await byType.return(undefined);
    const byNode = watchEvents(t.mesh, { sinceRevision: 0, nodeId: 'b' });
    expect(await take(byNode, 1)).toMatchObject([{ kind: 'event', event: { type: 'node.registered', nodeId: 'b' } }]);
    await byNode.return(undefined);
  });

  it('answers a pruned revision with an explicit reset at the current revision', async () => {
    await register('a');
    t.clock.advance(t.mesh.config.eventRetentionMs + 1);
    await sweepOnce(t.mesh);
    await register('b');
    const stream = watchEvents(t.mesh, { sinceRevision: 1 });
    const taking = take(stream, 2);
    await register('c');
    const messages = await taking;
    await stream.return(undefined);
    expect(messages[0]).toMatchObject({ kind: 'reset', revision: 3, reason: expect.stringMatching(/pruned/) });
    expect(revisions(messages)).toEqual(['reset@3', 4]);
  });

  it('does not prune what a connected watcher still has to read', async () => {
    await register('a');
    await register('b');
    const stream = watchEvents(t.mesh, { sinceRevision: 0 });
    await take(stream, 1); // read revision 1 only
    t.clock.advance(t.mesh.config.eventRetentionMs + 1);
    expect((await sweepOnce(t.mesh)).eventsPruned).toBe(1);
    expect(revisions(await take(stream, 2))).toEqual([2, 3]);
    await stream.return(undefined);
  });

  it('cuts off a watcher that stops reading, while the others keep receiving', async () => {
    const overflows: string[] = [];
    const stalled = watchEvents(t.mesh, {}, { onOverflow: (error) => overflows.push(error.message) });
    const reader = watchEvents(t.mesh, {});
    // Both are listening once their first pull has started.
    const stalledFirst = stalled.next();
    const readerFirst = reader.next();
    await new Promise((resolve) => setImmediate(resolve));

    const writes = WATCH_QUEUE_CAPACITY + 2;
    let received = 0;
    const reading = (async () => {
      await readerFirst;
      received = 1;
      while (received < writes) {
        const next = await reader.next();
        if (next.done) break;
        received += 1;
      }
    })();
    for (let i = 0; i < writes; i++) await register(`n${i}`);
    await reading;

    expect(received).toBe(writes);
    expect(overflows).toEqual([expect.stringMatching(/fell more than 1000 events behind.*resume with sinceRevision=/)]);
    // The stalled watcher took one event before it stopped reading; then its stream ends with the reason.
    expect(await stalledFirst).toMatchObject({ done: false });
    await expect(stalled.next()).rejects.toThrow(/fell more than 1000 events behind/);
    await reader.return(undefined);
  });

  it('answers a revision ahead of the log (a restored backup) with a reset, not silence', async () => {
    await register('a');
    const stream = watchEvents(t.mesh, { sinceRevision: 50 });
    const taking = take(stream, 2);
    await register('b');
    const messages = await taking;
    await stream.return(undefined);
    expect(messages[0]).toMatchObject({ kind: 'reset', revision: 2, reason: expect.stringMatching(/ahead of this log/) });
    expect(revisions(messages)).toEqual(['reset@2', 3]);
  });
});
