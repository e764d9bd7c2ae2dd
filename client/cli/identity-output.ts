import type { IdentityEvidence } from '../../shared/identity.js';
import { indent, when, type Output } from './output.js';

/** `match`, or `mismatch (IDENTITY_HOSTNAME_MISMATCH)`: the verdict of a Tailscale identity check. */
export function identityVerdict(identity: IdentityEvidence | null): string {
  if (!identity) return 'not checked';
  return identity.code ? `${identity.result} (${identity.code})` : identity.result;
}

/** The last Tailscale identity check of a node, as `mesh node` and `mesh pending` show it. */
export function identityDetails(out: Output, identity: IdentityEvidence | null, now = Date.now()): string {
  const head = out.fields([['identity', identityVerdict(identity)]]);
  if (!identity) return head;
  return `${head}\n${indent(
    out.fields([
      ['reason', identity.reason],
      ['peer address', identity.peerAddress],
      ['stable id', identity.stableId ?? '-'],
      ['node key', identity.nodeKey ?? '-'],
      ['name', identity.name ?? '-'],
      ['tags', identity.tags.length ? identity.tags.join(', ') : '-'],
      ['user', identity.user ?? '-'],
      ['checked', when(identity.checkedAt, now)],
    ]),
  )}`;
}
