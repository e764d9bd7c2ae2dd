import type { IdentityCode, IdentityEvidence } from '../../shared/identity.js';
import { plainAddress, prefixAddress, prefixMatcher, sameAddress } from './addresses.js';
import type { IdentitySettings } from '../settings/identity-settings.js';
import { whoIs, WhoIsFailure, type WhoIsResponse } from './whois.js';

/** What a request claims, and where it really came from. */
export interface IdentityClaim {
  /** The TCP peer address and port of the request, from its socket (undefined for calls made in-process). */
  peerAddress: string | undefined;
  peerPort: number | undefined;
  /** The tailscaleIP the node claims (signed). */
  tailscaleIP: string | null | undefined;
  /** The tailscaleHostname the node claims (signed). */
  hostname: string;
}

/** An FQDN compared as DNS does: case-insensitive, the trailing dot of the root optional. */
const dnsName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Whether the claimed hostname names the WhoIs node: its whole MagicDNS name (Node.Name, with or
 * without the trailing dot), or the OS hostname it reports (Hostinfo.Hostname), case-insensitive.
 * The first label of Node.Name alone is not enough: a node shared in from another tailnet keeps
 * that tailnet's FQDN, whose first label may equal a local node's.
 */
function hostnameMatches(claimed: string, node: WhoIsResponse['Node']): boolean {
  const name = dnsName(claimed);
  if (name === '') return false;
  return name === dnsName(node.Name) || name === dnsName(node.Hostinfo?.Hostname ?? '');
}

type Finding = { code: IdentityCode; reason: string } | null;

/** The first check the WhoIs answer fails, or null when it passes them all. */
function judge(settings: IdentitySettings, claim: IdentityClaim, peer: string, answer: WhoIsResponse): Finding {
  const { Node: node } = answer;
  const claimedIp = claim.tailscaleIP;
  if (!claimedIp || !sameAddress(claimedIp, peer))
    return {
      code: 'IDENTITY_IP_MISMATCH',
      reason: `the request came from ${peer}, not from the claimed tailscaleIP ${claimedIp ?? '(none claimed)'}`,
    };
  const addresses = node.Addresses ?? [];
  if (!addresses.some((prefix) => sameAddress(prefixAddress(prefix), peer)))
    return {
      code: 'IDENTITY_IP_MISMATCH',
      reason: `WhoIs does not list ${peer} among node ${node.StableID}'s addresses (${addresses.join(', ') || 'none'})`,
    };
  if (node.MachineAuthorized !== true)
    return {
      code: 'IDENTITY_MACHINE_UNAUTHORIZED',
      reason: `node ${node.StableID} is not authorized in the tailnet (MachineAuthorized false)`,
    };
  if (!hostnameMatches(claim.hostname, node))
    return {
      code: 'IDENTITY_HOSTNAME_MISMATCH',
      reason: `hostname ${claim.hostname} is neither the node's Name ${node.Name} nor its Hostinfo.Hostname ${node.Hostinfo?.Hostname ?? '(none)'}`,
    };
  const tags = node.Tags ?? [];
  if (settings.tags.length > 0 && !tags.some((tag) => settings.tags.includes(tag)))
    return {
      code: 'IDENTITY_TAG_MISSING',
      reason: `node ${node.StableID} carries ${tags.length ? tags.join(', ') : 'no tag'}, none of MESH_IDENTITY_TAGS (${settings.tags.join(', ')})`,
    };
  return null;
}

/**
 * Checks a registration's (or a heartbeat's) claim against tailscaled: the request's TCP peer
 * address must be inside MESH_TAILNET_PREFIXES and equal the claimed tailscaleIP; WhoIs on it must
 * list it in Node.Addresses, say MachineAuthorized, name the claimed hostname (Node.Name or
 * Hostinfo.Hostname) and, when MESH_IDENTITY_TAGS is set, carry one of those tags. It never throws:
 * a failure to ask is evidence too, with result `error`, which nothing may take for a match.
 * The admission policies call it as well.
 */
export async function checkTailscaleIdentity(
  settings: IdentitySettings,
  claim: IdentityClaim,
  now: () => number,
): Promise<IdentityEvidence> {
  const peer = claim.peerAddress === undefined ? '' : plainAddress(claim.peerAddress);
  const blank = { peerAddress: peer || '(unknown)', stableId: null, nodeKey: null, name: null, tags: [], user: null };
  if (!prefixMatcher(settings.tailnetPrefixes)(peer)) {
    return {
      ...blank,
      result: 'mismatch',
      code: 'IDENTITY_NOT_IN_TAILNET',
      reason: `the request came from ${peer || 'an unknown address'}, outside the tailnet (MESH_TAILNET_PREFIXES ${settings.tailnetPrefixes.join(', ')})`,
      checkedAt: now(),
    };
  }
  let answer: WhoIsResponse;
  try {
    answer = await whoIs(settings.socketPath, peer, claim.peerPort ?? 0, settings.timeoutMs);
  } catch (error) {
    const reason = error instanceof WhoIsFailure ? error.message : `asking tailscaled failed: ${String(error)}`;
    return { ...blank, result: 'error', code: 'IDENTITY_UNAVAILABLE', reason, checkedAt: now() };
  }
  const { Node: node, UserProfile: user } = answer;
  const finding = judge(settings, claim, peer, answer);
  return {
    peerAddress: peer,
    stableId: node.StableID,
    nodeKey: node.Key,
    name: node.Name,
    tags: node.Tags ?? [],
    user: user.LoginName,
    result: finding ? 'mismatch' : 'match',
    code: finding?.code ?? null,
    reason:
      finding?.reason ??
      `${peer} is tailnet node ${node.Name} (${node.StableID}), authorized${node.Tags?.length ? `, tagged ${node.Tags.join(', ')}` : ''}`,
    checkedAt: now(),
  };
}
