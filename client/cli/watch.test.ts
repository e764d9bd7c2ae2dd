import { describe, expect, it } from 'vitest';
import type { DecisionEvent } from '../../shared/decisions.js';
import type { MeshEvent } from '../../shared/events.js';
import { Output } from './output.js';
import { describeMessage } from './watch.js';

const event = (revision: number, nodeId: string): MeshEvent => ({
  revision,
  type: revision % 2 === 0 ? 'node.registered' : 'node.approved',
  time: Date.UTC(2026, 10, 24, 22, 17, 32),
  actor: 'ab'.repeat(32),
  nodeId,
  publicKey: 'cd'.repeat(32),
  node: null,
  sovereign: null,
});

/** A decision.signed event's decision: the first of two signatures it needs. */
const oneOfTwo = (decision: Pick<DecisionEvent, 'kind' | 'target' | 'targetKey' | 'value'>): DecisionEvent => ({
  ...decision,
  signatures: 1,
  needed: 2,
  signers: [{ publicKey: 'ab'.repeat(32), signedAt: 0 }],
  effective: false,
  expiresAt: 86_400_000,
  duplicate: false,
});

describe('mesh watch lines', () => {
  it('keep their columns as revisions grow from one digit to seven', () => {
    const out = new Output(false, false);
    const lines = [9, 10, 100, 12_345, 1_234_567].map((revision) =>
      describeMessage(out, { kind: 'event', event: event(revision, 'validator-002') }),
    );
    const typeColumns = lines.map((line) => line.search(/node\.(registered|approved)/));
    expect(new Set(typeColumns).size).toBe(1);
    expect(lines[0]).toBe('2026-11-24T22:17:32.000Z  #9         node.approved           validator-002  by abababab…abab');
  });

  it('sum up a rate-limited event by its counts', () => {
    const limited: MeshEvent = {
      ...event(10, 'x'),
      type: 'mesh.rate-limited',
      actor: 'system',
      nodeId: null,
      publicKey: null,
      rateLimited: { from: 0, to: 60_000, addresses: 3, refusals: 250, sample: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] },
    };
    expect(describeMessage(new Output(false, false), { kind: 'event', event: limited })).toBe(
      '2026-11-24T22:17:32.000Z  #10        mesh.rate-limited       250 writes refused from 3 addresses  by system',
    );
  });

  it('give the tally of a sovereign decision under MESH_QUORUM', () => {
    const signed: MeshEvent = {
      ...event(12, 'validator-002'),
      type: 'decision.signed',
      decision: oneOfTwo({ kind: 'approve', target: 'validator-002', targetKey: 'cd'.repeat(32), value: null }),
    };
    expect(describeMessage(new Output(false, false), { kind: 'event', event: signed })).toBe(
      '2026-11-24T22:17:32.000Z  #12        decision.signed         approve validator-002: 1 of 2 approvals  by abababab…abab',
    );
  });

  it('name a waiting enrollment key by its digest, without its parameters spelled in JSON', () => {
    const digest = 'ef'.repeat(32);
    const signed: MeshEvent = {
      ...event(13, 'x'),
      type: 'decision.signed',
      nodeId: null,
      publicKey: digest,
      decision: oneOfTwo({
        kind: 'enrollment-key-create',
        target: digest,
        targetKey: digest,
        value: JSON.stringify({ note: '', tags: [], maxUses: 1, expiresAt: 86_400_000 }),
      }),
    };
    expect(describeMessage(new Output(false, false), { kind: 'event', event: signed })).toBe(
      '2026-11-24T22:17:32.000Z  #13        decision.signed         enrollment-key-create efefefef…efef: 1 of 2 enrollment key creations  by abababab…abab',
    );
  });

  it('say whether pending registrations are full', () => {
    const full: MeshEvent = {
      ...event(11, 'x'),
      type: 'mesh.pending-full',
      actor: 'system',
      nodeId: null,
      publicKey: null,
      pendingFull: { full: true, cap: 1000, pending: 1000 },
    };
    expect(describeMessage(new Output(false, false), { kind: 'event', event: full })).toBe(
      '2026-11-24T22:17:32.000Z  #11        mesh.pending-full       full (1000 of 1000 pending)  by system',
    );
  });

  it('say what a self-preservation event says, and why mesh denied a node by itself', () => {
    const out = new Output(false, false);
    const state = { active: true, since: 1, until: 2, activeNodes: 40, silentNodes: 12, draining: false };
    const entered: MeshEvent = {
      ...event(7, 'x'),
      type: 'mesh.self-preservation',
      actor: 'system',
      nodeId: null,
      publicKey: null,
      selfPreservation: { change: 'entered', exitReason: null, activeNodes: 40, silentNodes: 12, ratio: 0.15, state },
    };
    expect(describeMessage(out, { kind: 'event', event: entered })).toBe(
      '2026-11-24T22:17:32.000Z  #7         mesh.self-preservation  entered (12 of 40 active nodes silent)  by system',
    );
    const denied: MeshEvent = {
      ...event(8, 'validator-002'),
      type: 'node.denied',
      actor: 'system',
      reason: 'missed 3 heartbeat intervals',
    };
    expect(describeMessage(out, { kind: 'event', event: denied })).toBe(
      '2026-11-24T22:17:32.000Z  #8         node.denied             validator-002  by system (missed 3 heartbeat intervals)',
    );
  });
});
