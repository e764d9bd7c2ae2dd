import { Point } from '@noble/ed25519';

/**
 * Why a public key may not enter mesh, or null when it may. Keys are decoded strictly (RFC 8032,
 * not ZIP-215): a non-canonical encoding is refused. The point must also lie in the prime-order
 * subgroup: a point of small order lets one signature verify against every message, and a
 * mixed-order point (a real key plus a torsion component) makes cofactorless verifiers (OpenSSL,
 * which mesh uses) and cofactored ones (libsodium, noble) disagree on which signatures are valid.
 */
export function publicKeyWeakness(publicKeyHex: string): string | null {
  let point: Point;
  try {
    point = Point.fromHex(publicKeyHex, false);
  } catch {
    return 'is not a canonical encoding of an Ed25519 curve point';
  }
  if (point.isSmallOrder()) return 'is a small-order point, which cannot be a real Ed25519 key';
  if (!point.isTorsionFree()) return 'is not torsion-free (it has a small-order component), which no real Ed25519 key has';
  return null;
}
