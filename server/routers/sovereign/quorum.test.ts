import { describe, expect, it } from 'vitest';
import type { Signer } from '../../../client/signer.js';
import { createMeshClient } from '../../../client/client.js';
import type { NodeDecisionAction } from '../../../shared/actions.js';
import { nodes, sovereignKeys } from '../../../db/schema.js';
import { newSigner } from '../../testing/harness.js';
import { quorumMesh, QUORUM_WINDOW_MS as WINDOW_MS } from '../../testing/quorum-mesh.js';
import { useCleanups } from '../../testing/servers.js';
import { reloadRegistry } from '../../mesh.js';
import { sweepOnce } from '../../sweeper.js';
import { describeStartupFailure, STARTUP_EXIT } from '../../startup-failure.js';
import { eq } from 'drizzle-orm';

const defer = useCleanups();
const AFTER: Record<NodeDecisionAction, string> = { approve: 'active', deny: 'denied', remove: 'gone' };

describe('MESH_QUORUM above 1, over HTTP', () => {
  for (const quorum of [2, 3]) {
    for (const action of ['approve', 'deny', 'remove'] as const) {
      it(`${action} takes effect once ${quorum} distinct sovereigns signed, pending (202) before`, async () => {
        const m = await quorumMesh(defer, quorum, quorum + 1);
        const node = await m.register('validator-1');
        for (let signed = 1; signed < quorum; signed++) {
          const answer = await m.decide(m.keys[signed - 1] as Signer, action, 'validator-1', node);
          expect(answer.status).toBe(202);
          expect(answer.body).toMatchObject({
            success: true,
            nodeId: 'validator-1',
            decision: {
              kind: action,
              target: 'validator-1',
              targetKey: node.publicKey,
              signatures: signed,
              needed: quorum,
              effective: false,
              duplicate: false,
            },
          });
          expect(answer.body.message).toMatch(new RegExp(`${signed} of ${quorum} `));
          expect(await m.nodeStatus('validator-1')).toBe('pending');
          const waiting = await m.decisions();
          expect(waiting).toMatchObject({ quorum, windowMs: WINDOW_MS });
          expect(waiting.decisions).toHaveLength(1);
          expect(waiting.decisions[0]).toMatchObject({ kind: action, target: 'validator-1', signatures: signed, needed: quorum });
          expect(waiting.decisions[0]?.signers.map((signer) => signer.publicKey).sort()).toEqual(
            m.keys
              .slice(0, signed)
              .map((key) => key.publicKey)
              .sort(),
          );
        }
        const last = await m.decide(m.keys[quorum - 1] as Signer, action, 'validator-1', node);
        expect(last.status).toBe(200);
        expect(last.body.decision).toMatchObject({ signatures: quorum, needed: quorum, effective: true, expiresAt: null });
        expect(await m.nodeStatus('validator-1')).toBe(AFTER[action]);
        expect((await m.decisions()).decisions).toEqual([]);
        // Every signature is in the audit log, by its signer, with the tally it made.
        const signed = await m.events('decision.signed');
        expect(signed.map((event) => [event.actor, event.decision?.signatures, event.decision?.effective])).toEqual(
          m.keys.slice(0, quorum).map((key, index) => [key.publicKey, index + 1, index + 1 === quorum]),
        );
        // The change itself is recorded as ever, by the sovereign whose signature completed it.
        const changes = await m.events(
          action === 'approve' ? 'node.approved' : action === 'deny' ? 'node.denied' : 'node.removed',
        );
        expect(changes.map((event) => event.actor)).toEqual([m.keys[quorum - 1]?.publicKey]);
      });
    }

    it(`sovereign add and remove take effect at ${quorum} signatures`, async () => {
      const m = await quorumMesh(defer, quorum, quorum + 1);
      const newcomer = newSigner(m.clock);
      for (let signed = 1; signed < quorum; signed++) {
        const answer = await m.addSovereign(m.keys[signed - 1] as Signer, newcomer.publicKey);
        expect(answer.status).toBe(202);
        expect(answer.body).toMatchObject({
          publicKey: newcomer.publicKey,
          decision: { kind: 'sovereign-add', target: newcomer.publicKey, signatures: signed, needed: quorum, effective: false },
        });
        expect(await m.sovereignKeys()).not.toContain(newcomer.publicKey);
      }
      const added = await m.addSovereign(m.keys[quorum - 1] as Signer, newcomer.publicKey);
      expect(added).toMatchObject({ status: 200, body: { message: 'Sovereign key added.', decision: { effective: true } } });
      expect(await m.sovereignKeys()).toContain(newcomer.publicKey);

      const leaving = m.keys[quorum] as Signer;
      for (let signed = 1; signed < quorum; signed++) {
        const answer = await m.removeSovereign(m.keys[signed - 1] as Signer, leaving.publicKey);
        expect(answer.status).toBe(202);
        expect(answer.body.decision).toMatchObject({ kind: 'sovereign-remove', signatures: signed, needed: quorum });
        expect(await m.sovereignKeys()).toContain(leaving.publicKey);
      }
      // The newcomer's signature counts like any sovereign's.
      const removed = await m.removeSovereign(newcomer, leaving.publicKey);
      expect(removed).toMatchObject({ status: 200, body: { message: 'Sovereign key removed.', decision: { effective: true } } });
      expect(await m.sovereignKeys()).not.toContain(leaving.publicKey);
      expect((await m.decisions()).decisions).toEqual([]);
    });
  }

  it("a sovereign's second signature on the same decision changes nothing, and says so with 200", async () => {
    const m = await quorumMesh(defer, 2, 2);
    const node = await m.register('validator-1');
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node)).status).toBe(202);
    const again = await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      status: 'pending',
      decision: { signatures: 1, needed: 2, duplicate: true, effective: false },
    });
    expect(again.body.message).toMatch(/already signed .*nothing changed \(1 of 2 approvals\)/);
    expect(await m.nodeStatus('validator-1')).toBe('pending');
    expect((await m.decisions()).decisions[0]).toMatchObject({ signatures: 1 });
    // The repeat is in the audit log too, marked as such.
    expect((await m.events('decision.signed')).map((event) => event.decision?.duplicate)).toEqual([false, true]);
    expect((await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', node)).status).toBe(200);
    expect(await m.nodeStatus('validator-1')).toBe('active');
  });

  it('approve and deny of the same node are separate decisions', async () => {
    const m = await quorumMesh(defer, 2, 3);
    const node = await m.register('validator-1');
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node)).status).toBe(202);
    expect((await m.decide(m.keys[1] as Signer, 'deny', 'validator-1', node)).status).toBe(202);
    const waiting = await m.decisions();
    expect(waiting.decisions.map((decision) => [decision.kind, decision.signatures])).toEqual([
      ['approve', 1],
      ['deny', 1],
    ]);
    expect(await m.nodeStatus('validator-1')).toBe('pending');
    expect((await m.decide(m.keys[2] as Signer, 'deny', 'validator-1', node)).status).toBe(200);
    expect(await m.nodeStatus('validator-1')).toBe('denied');
    expect((await m.decisions()).decisions.map((decision) => decision.kind)).toEqual(['approve']);
  });

  it('a signature older than MESH_QUORUM_WINDOW_MS no longer counts, and its expiry is in the audit log', async () => {
    const m = await quorumMesh(defer, 2, 2);
    const node = await m.register('validator-1');
    const first = await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node);
    expect(first.body.decision).toMatchObject({ expiresAt: m.clock.now() + WINDOW_MS });
    m.clock.advance(WINDOW_MS - 1);
    expect((await m.decisions()).decisions).toHaveLength(1);
    m.clock.advance(1);
    expect((await m.decisions()).decisions).toEqual([]);
    const late = await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', node);
    expect(late.status).toBe(202);
    expect(late.body.decision).toMatchObject({ signatures: 1, signers: [{ publicKey: m.keys[1]?.publicKey }] });
    expect(await m.nodeStatus('validator-1')).toBe('pending');
    const expired = await m.events('decision.expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({
      actor: 'system',
      nodeId: 'validator-1',
      decision: { kind: 'approve', expiredBecause: 'window', signatures: 0 },
    });
    // The first sovereign signs again, within the window of the second: now it counts.
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node)).status).toBe(200);
    expect(await m.nodeStatus('validator-1')).toBe('active');
  });

  it('what was signed about a node ends with it: a node registered again under the same id starts afresh', async () => {
    const m = await quorumMesh(defer, 2, 3);
    const old = await m.register('validator-1');
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', old)).status).toBe(202);
    expect((await m.decide(m.keys[0] as Signer, 'remove', 'validator-1', old)).status).toBe(202);
    expect((await m.decide(m.keys[1] as Signer, 'remove', 'validator-1', old)).status).toBe(200);
    expect((await m.decisions()).decisions).toEqual([]);
    const expired = await m.events('decision.expired');
    expect(expired.map((event) => [event.decision?.kind, event.decision?.expiredBecause])).toEqual([['approve', 'target-gone']]);

    const fresh = await m.register('validator-1');
    const answer = await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', fresh);
    expect(answer.status).toBe(202);
    expect(answer.body.decision).toMatchObject({ targetKey: fresh.publicKey, signatures: 1 });
    // A signature naming the old key does not verify against the new registration.
    expect(await m.decide(m.keys[2] as Signer, 'approve', 'validator-1', old)).toMatchObject({
      status: 401,
      body: { error: { code: 'BAD_SIGNATURE' } },
    });
  });

  it("a node whose key changed: decisions about the old key stop counting (the node key rotation's case)", async () => {
    const m = await quorumMesh(defer, 2, 2);
    const old = await m.register('validator-1');
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', old)).status).toBe(202);
    // What a key rotation does to the node's row, done here on the database directly.
    const rotated = newSigner(m.clock);
    await m.running.mesh.database.write((tx) =>
      tx.update(nodes).set({ publicKey: rotated.publicKey }).where(eq(nodes.id, 'validator-1')),
    );
    await reloadRegistry(m.running.mesh.database, m.running.mesh.registry);
    expect((await m.decisions()).decisions).toEqual([]);
    const answer = await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', rotated);
    expect(answer.status).toBe(202);
    expect(answer.body.decision).toMatchObject({ targetKey: rotated.publicKey, signatures: 1 });
    expect((await m.events('decision.expired')).map((event) => event.decision?.expiredBecause)).toEqual(['key-changed']);
  });

  it('never removes sovereigns below the quorum (409), checked before anything is signed', async () => {
    const m = await quorumMesh(defer, 2, 3);
    expect((await m.removeSovereign(m.keys[0] as Signer, m.keys[2]?.publicKey as string)).status).toBe(202);
    expect((await m.removeSovereign(m.keys[1] as Signer, m.keys[2]?.publicKey as string)).status).toBe(200);
    const refused = await m.removeSovereign(m.keys[0] as Signer, m.keys[1]?.publicKey as string);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ success: false, error: { code: 'QUORUM_FLOOR' } });
    expect((refused.body.error as { message: string }).message).toMatch(
      /would leave 1 sovereign key, fewer than the 2 MESH_QUORUM needs: add another sovereign key first/,
    );
    expect(await m.sovereignKeys()).toHaveLength(2);
    expect((await m.decisions()).decisions).toEqual([]);
  });

  it("a removed sovereign's signatures on waiting decisions stop counting", async () => {
    const m = await quorumMesh(defer, 2, 3);
    const node = await m.register('validator-1');
    const leaving = m.keys[2] as Signer;
    expect((await m.decide(leaving, 'approve', 'validator-1', node)).status).toBe(202);
    await m.removeSovereign(m.keys[0] as Signer, leaving.publicKey);
    expect((await m.removeSovereign(m.keys[1] as Signer, leaving.publicKey)).status).toBe(200);
    expect((await m.decisions()).decisions).toEqual([]);
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node)).status).toBe(202);
    expect(await m.nodeStatus('validator-1')).toBe('pending');
  });

  it('the sweeper clears decisions about a node that expired undecided, and signatures past the window', async () => {
    const m = await quorumMesh(defer, 2, 2, { pendingTtlMs: 60_000 });
    const node = await m.register('validator-1');
    const newcomer = newSigner(m.clock);
    expect((await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node)).status).toBe(202);
    m.clock.advance(30_000);
    expect((await m.addSovereign(m.keys[0] as Signer, newcomer.publicKey)).status).toBe(202);

    m.clock.advance(30_001);
    expect((await sweepOnce(m.running.mesh)).expired).toEqual(['validator-1']);
    expect((await m.events('decision.expired')).map((event) => [event.decision?.kind, event.decision?.expiredBecause])).toEqual([
      ['approve', 'target-gone'],
    ]);
    expect((await m.decisions()).decisions.map((decision) => decision.kind)).toEqual(['sovereign-add']);

    m.clock.advance(WINDOW_MS);
    await sweepOnce(m.running.mesh);
    expect((await m.events('decision.expired')).map((event) => [event.decision?.kind, event.decision?.expiredBecause])).toEqual([
      ['approve', 'target-gone'],
      ['sovereign-add', 'window'],
    ]);
    expect((await m.decisions()).decisions).toEqual([]);
    // The node registers again with the same key: nothing signed about its first registration counts.
    await m.register('validator-1', node);
    expect((await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', node)).body.decision).toMatchObject({ signatures: 1 });
  });

  it('signatures of a key removed on the host (bootstrap --recover) stop counting', async () => {
    const m = await quorumMesh(defer, 2, 3);
    const node = await m.register('validator-1');
    const lost = m.keys[0] as Signer;
    expect((await m.decide(lost, 'approve', 'validator-1', node)).status).toBe(202);
    await m.running.mesh.database.write((tx) => tx.delete(sovereignKeys).where(eq(sovereignKeys.publicKey, lost.publicKey)));
    await reloadRegistry(m.running.mesh.database, m.running.mesh.registry);
    expect((await m.decisions()).decisions).toEqual([]);
    const answer = await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', node);
    expect(answer.status).toBe(202);
    expect(answer.body.decision).toMatchObject({ signatures: 1, signers: [{ publicKey: m.keys[1]?.publicKey }] });
    expect((await m.events('decision.expired')).map((event) => event.decision?.expiredBecause)).toEqual(['signer-removed']);
  });

  it('the client SDK lists decisions and returns the pending tally over tRPC', async () => {
    const m = await quorumMesh(defer, 2, 2);
    const node = await m.register('validator-1');
    const client = createMeshClient({ url: m.running.url, now: m.clock.now });
    const pending = await client.approve(m.keys[0] as Signer, 'validator-1');
    expect(pending).toMatchObject({ status: 'pending', decision: { signatures: 1, needed: 2, effective: false } });
    expect(await client.decisions()).toMatchObject({ quorum: 2, decisions: [{ kind: 'approve', targetKey: node.publicKey }] });
  });
});

describe('MESH_QUORUM at start-up', () => {
  it('refuses to start with fewer sovereign keys than the quorum needs: an invalid configuration, exit 2', async () => {
    const refusal: unknown = await quorumMesh(defer, 3, 2).catch((error: unknown) => error);
    expect(describeStartupFailure(refusal, undefined)).toEqual({
      exitCode: STARTUP_EXIT.config,
      message:
        'invalid configuration: MESH_QUORUM=3 needs at least 3 sovereign keys, but the database has 2: no decision could ever take effect. List the keys in MESH_SOVEREIGN_KEYS, or lower MESH_QUORUM',
    });
  });

  it('starts with exactly as many sovereign keys as the quorum', async () => {
    const m = await quorumMesh(defer, 3, 3);
    expect(await m.decisions()).toEqual({ quorum: 3, windowMs: WINDOW_MS, decisions: [] });
  });
});

describe('MESH_QUORUM=1 (the default)', () => {
  it('answers exactly as before, records no decision and lists none', async () => {
    const m = await quorumMesh(defer, 1, 2);
    const node = await m.register('validator-1');
    expect(await m.decide(m.keys[0] as Signer, 'approve', 'validator-1', node)).toEqual({
      status: 200,
      body: { success: true, nodeId: 'validator-1', status: 'active', message: 'Node validator-1 approved: active.' },
    });
    expect(await m.decide(m.keys[1] as Signer, 'approve', 'validator-1', node)).toEqual({
      status: 200,
      body: { success: true, nodeId: 'validator-1', status: 'active', message: 'Node validator-1 is already approved.' },
    });
    expect(await m.decide(m.keys[0] as Signer, 'remove', 'validator-1', node)).toEqual({
      status: 200,
      body: { success: true, nodeId: 'validator-1', removed: true, message: 'Node validator-1 removed.' },
    });
    const newcomer = newSigner(m.clock);
    expect(await m.addSovereign(m.keys[0] as Signer, newcomer.publicKey)).toEqual({
      status: 200,
      body: { success: true, publicKey: newcomer.publicKey, message: 'Sovereign key added.' },
    });
    expect(await m.removeSovereign(m.keys[1] as Signer, newcomer.publicKey)).toEqual({
      status: 200,
      body: { success: true, publicKey: newcomer.publicKey, message: 'Sovereign key removed.' },
    });
    expect(await m.decisions()).toEqual({ quorum: 1, windowMs: WINDOW_MS, decisions: [] });
    expect(await m.events('decision.signed,decision.expired')).toEqual([]);
  });
});
