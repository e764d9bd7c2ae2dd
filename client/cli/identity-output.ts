import type { IdentityEvidence } from '../../shared/identity.js';
import { indent, when, type Output } from './output.js';

/** `match`, or `mismatch (IDENTITY_HOSTNAME_MISMATCH)`: the verdict of a Tailscale identity check. */
export function identityVerdict(identity: IdentityEvidence | null): string {
  if (!identity) return 'not checked';
  return identity.code ? `${identity.result} (${identity.code})` : identity.result;
}

/**
 * The last Tailscale identity check of a node, as `mesh node` shows it below the node; nothing when
 * it was never checked (MESH_IDENTITY off).
 */
export function identityDetails(out: Output, identity: IdentityEvidence | null, now = Date.now()): string {
  if (!identity) return '';
  return `\nidentity\n${indent(
    out.fields([
      ['result', identityVerdict(identity)],
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
