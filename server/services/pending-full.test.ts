import { afterEach, describe, expect, it } from 'vitest';
import { signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { readEventsAfter } from '../events/log.js';
import { PENDING_FULL_RECHECK_MS } from '../limits/pending-full-notes.js';
import { sweepOnce } from '../sweeper.js';
import { createTestMesh, newSigner, type TestMesh } from '../testing/harness.js';
import { registerOverHttp, startTestServer, useCleanups } from '../testing/servers.js';

const defer = useCleanups();

let current: TestMesh | undefined;
afterEach(() => current?.mesh.close());

async function meshWithCap(maxPending: number, pendingTtlMs = 7 * 24 * 3_600_000): Promise<TestMesh> {
  current = await createTestMesh({ config: { maxPending, pendingTtlMs } });
  return current;
}

function register(test: TestMesh, nodeId: string) {
  const signer = newSigner(test.clock);
  return {
    signer,
    result: test.api.node.register(
      signedRegister(signer, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: test.network }),
    ),
  };
}

async function pendingFullEvents(test: TestMesh) {
  const events = await readEventsAfter(test.mesh.database.db, 0, 1000, { types: ['mesh.pending-full'] });
  return events.map((event) => [event.actor, event.pendingFull]);
}

describe('mesh.pending-full events', () => {
  it('mark the entry into the full state once, however many registrations are refused, and its end once', async () => {
    const test = await meshWithCap(2);
    const a = register(test, 'a');
    await a.result;
    const b = register(test, 'b');
    await b.result;
    for (let i = 0; i < 20; i++) {
      await expect(register(test, `flood-${i}`).result).rejects.toMatchObject({ cause: { code: 'PENDING_FULL' } });
      // Past the minute this process trusts its note, it looks again: and still writes nothing.
      if (i === 10) test.clock.advance(PENDING_FULL_RECHECK_MS);
    }
    expect(await pendingFullEvents(test)).toEqual([['system', { full: true, cap: 2, pending: 2 }]]);

    await test.api.sovereign.approve(
      signedNodeDecision(
        test.sovereign,
        'approve',
        { nodeId: 'a', nodePublicKey: a.signer.publicKey },
        { network: test.network },
      ),
    );
    expect(await pendingFullEvents(test)).toEqual([
      ['system', { full: true, cap: 2, pending: 2 }],
      ['system', { full: false, cap: 2, pending: 1 }],
    ]);
    // A decision while not full writes no event.
    await test.api.sovereign.deny(
      signedNodeDecision(test.sovereign, 'deny', { nodeId: 'b', nodePublicKey: b.signer.publicKey }, { network: test.network }),
    );
    expect(await pendingFullEvents(test)).toHaveLength(2);
  });

  it('say so again when it fills again, and when expiry frees a place', async () => {
    const day = 24 * 3_600_000;
    const test = await meshWithCap(1, day);
    await register(test, 'a').result;
    await expect(register(test, 'b').result).rejects.toMatchObject({ cause: { code: 'PENDING_FULL' } });
    test.clock.advance(day + 1);
    await sweepOnce(test.mesh);
    await register(test, 'c').result;
    await expect(register(test, 'd').result).rejects.toMatchObject({ cause: { code: 'PENDING_FULL' } });
    expect(await pendingFullEvents(test)).toEqual([
      ['system', { full: true, cap: 1, pending: 1 }],
      ['system', { full: false, cap: 1, pending: 0 }],
      ['system', { full: true, cap: 1, pending: 1 }],
    ]);
  });

  it('leave the refusal a 429 PENDING_FULL over HTTP', async () => {
    const running = await startTestServer(defer, { config: { maxPending: 1 } });
    await registerOverHttp(running.url, 'a');
    const refusals = await Promise.all(['b', 'c', 'd'].map((nodeId) => registerOverHttp(running.url, nodeId).catch(String)));
    for (const refusal of refusals) expect(refusal).toMatch(/429.*PENDING_FULL/);
    const events = await readEventsAfter(running.mesh.database.db, 0, 100, { types: ['mesh.pending-full'] });
    expect(events.map((event) => event.pendingFull)).toEqual([{ full: true, cap: 1, pending: 1 }]);
  });
});
