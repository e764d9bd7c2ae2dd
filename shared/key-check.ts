import { Point } from '@noble/ed25519';

/**
 * Why a public key may not enter mesh, or null when it may. Keys are decoded strictly (RFC 8032,
 * not ZIP-215): a non-canonical encoding is refused, and so is a point of small order, for which
 * one signature can verify against every message.
 */
export function publicKeyWeakness(publicKeyHex: string): string | null {
  let point: Point;
  try {
    point = Point.fromHex(publicKeyHex, false);
  } catch {
    return 'is not a canonical encoding of an Ed25519 curve point';
  }
  if (point.isSmallOrder()) return 'is a small-order point, which cannot be a real Ed25519 key';
  return null;
}
