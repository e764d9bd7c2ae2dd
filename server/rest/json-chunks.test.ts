import { describe, expect, it } from 'vitest';
import { jsonChunks } from './json-chunks.js';

const joined = (value: unknown) => [...jsonChunks(value)].join('');

describe('jsonChunks', () => {
  it('writes exactly what JSON.stringify writes, for small and long arrays and nested objects', () => {
    const nodes = Array.from({ length: 1234 }, (_, i) => ({
      id: `n${i}`,
      services: [{ type: 'ledger', port: i, publicKey: null }],
      gone: undefined,
    }));
    const samples: unknown[] = [
      { nodes, revision: 7 },
      { network: 'tana', counts: { active: 1 }, nodes, services: { ledger: nodes, t4: [] }, skipped: undefined },
      { nodes: [], revision: 0 },
      nodes.slice(0, 500),
      nodes.slice(0, 501),
      'text "quoted"',
      null,
      { 'odd"key': [1, 2, 3] },
    ];
    for (const sample of samples) expect(joined(sample)).toBe(JSON.stringify(sample));
  });

  it('never writes a chunk holding more than one group of elements', () => {
    const nodes = Array.from({ length: 5000 }, (_, i) => ({ id: `node-${i}` }));
    const longest = Math.max(...[...jsonChunks({ nodes })].map((chunk) => chunk.length));
    expect(longest).toBeLessThanOrEqual(JSON.stringify(nodes.slice(4500, 5000)).length);
  });
});
