import { describe, expect, it } from 'vitest';
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

describe('mesh watch lines', () => {
  it('keep their columns as revisions grow from one digit to seven', () => {
    const out = new Output(false, false);
    const lines = [9, 10, 100, 12_345, 1_234_567].map((revision) =>
      describeMessage(out, { kind: 'event', event: event(revision, 'validator-002') }),
    );
    const typeColumns = lines.map((line) => line.search(/node\.(registered|approved)/));
    expect(new Set(typeColumns).size).toBe(1);
    expect(lines[0]).toBe('2026-11-24T22:17:32.000Z  #9         node.approved      validator-002  by abababab…abab');
  });
});
