import { Point } from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { RFC8032_KEY_1 } from './testing/rfc8032.js';
import { publicKeyWeakness } from './key-check.js';

describe('publicKeyWeakness', () => {
  it('accepts a real Ed25519 key', () => {
    expect(publicKeyWeakness(RFC8032_KEY_1.publicKey)).toBeNull();
  });

  it.each([
    ['the identity point', '0100000000000000000000000000000000000000000000000000000000000000'],
    ['the point of order 2', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    ['a point of order 8', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
    ['a point of order 4', '0000000000000000000000000000000000000000000000000000000000000000'],
  ])('refuses %s as small order', (_name, hex) => {
    expect(publicKeyWeakness(hex)).toMatch(/small-order/);
  });

  it('refuses a mixed-order key: a real key plus a point of order 8', () => {
    const orderEight = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    const mixed = Point.fromHex(RFC8032_KEY_1.publicKey).add(orderEight).toHex();
    expect(publicKeyWeakness(mixed)).toMatch(/not torsion-free/);
  });

  it('refuses a non-canonical encoding (y >= p)', () => {
    // y = p + 1 encodes the same point as y = 1, but not canonically.
    expect(publicKeyWeakness('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')).toMatch(/canonical/);
  });

  it('refuses bytes that are not a curve point', () => {
    expect(publicKeyWeakness('0200000000000000000000000000000000000000000000000000000000000000')).toMatch(/canonical/);
  });
});
