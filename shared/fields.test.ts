import { describe, expect, it } from 'vitest';
import { descriptionSchema, hostnameSchema, nodeIdSchema, publicKeyHexSchema, serviceTypeSchema } from './fields.js';

describe('text fields', () => {
  it.each([
    ['nodeId', nodeIdSchema, 'validator-002'],
    ['hostname', hostnameSchema, 'validator-b.ts.net'],
    ['service type', serviceTypeSchema, 'ledger'],
    ['description', descriptionSchema, 'backup key, kept offline'],
    ['public key', publicKeyHexSchema, 'ab'.repeat(32)],
  ])('a %s refuses every control character, naming it as such', (_name, schema, valid) => {
    expect(schema.safeParse(valid).success).toBe(true);
    for (const control of ['\0', '\t', '\n', '\r', '\x1b', '\x7f', '\x85', '\x9f']) {
      const middle = Math.floor(valid.length / 2);
      const result = schema.safeParse(`${valid.slice(0, middle)}${control}${valid.slice(middle + 1)}`);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.message)).toEqual([
        expect.stringMatching(/must not contain control characters/),
      ]);
    }
  });

  it('keeps printable text beyond ASCII in a description', () => {
    expect(descriptionSchema.parse('clé de secours – Zürich')).toBe('clé de secours – Zürich');
  });
});
