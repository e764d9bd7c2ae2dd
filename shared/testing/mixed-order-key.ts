import { createHash, randomBytes } from 'node:crypto';
import { Point } from '@noble/ed25519';

// A point of order 8: every torsion point is a multiple of it.
const ORDER_EIGHT = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
const L = Point.CURVE().n;

function scalarLE(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
}

function scalarBytes(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();
}

/**
 * A mixed-order public key, a·B + T₈, and signatures by it that a cofactorless verifier (OpenSSL's,
 * mesh's) accepts: R = r·B + T' with T' chosen so that it cancels the k·T₈ the check adds. Such a key
 * cannot come from a real key pair; a test uses it to show mesh refuses it before any signature check.
 */
export function mixedOrderKey(): { publicKey: string; sign: (message: string) => string } {
  const a = (scalarLE(randomBytes(32)) % (L - 1n)) + 1n;
  const A = Point.BASE.multiply(a).add(ORDER_EIGHT);
  const publicKey = A.toHex();
  return {
    publicKey,
    sign(message) {
      for (;;) {
        const r = (scalarLE(randomBytes(32)) % (L - 1n)) + 1n;
        const torsion = randomBytes(1)[0]! % 8;
        const R = Point.BASE.multiply(r).add(torsion === 0 ? Point.ZERO : ORDER_EIGHT.multiplyUnsafe(BigInt(torsion)));
        const hash = createHash('sha512').update(R.toBytes()).update(A.toBytes()).update(message, 'utf8').digest();
        const k = scalarLE(hash) % L;
        // Accepted when T' + (k mod 8)·T₈ is the identity.
        if ((Number(k % 8n) + torsion) % 8 !== 0) continue;
        const s = (r + k * a) % L;
        return Buffer.concat([R.toBytes(), scalarBytes(s)]).toString('hex');
      }
    },
  };
}
