import type { IdentityMode } from '../../shared/identity.js';

/** Tailscale's CGNAT range for IPv4 node addresses and its ULA prefix for IPv6 ones. */
export const DEFAULT_TAILNET_PREFIXES = ['100.64.0.0/10', 'fd7a:115c:a1e0::/48'] as const;

/** How mesh checks a node's Tailscale identity: MESH_IDENTITY and the variables beside it. */
export interface IdentitySettings {
  mode: IdentityMode;
  /** tailscaled's LocalAPI unix socket (MESH_TAILSCALE_SOCKET). */
  socketPath: string;
  /** When not empty, the node must carry one of these ACL tags (MESH_IDENTITY_TAGS). */
  tags: readonly string[];
  /** A peer address outside these CIDRs is not a tailnet address (MESH_TAILNET_PREFIXES). */
  tailnetPrefixes: readonly string[];
  /** How long one WhoIs may take, connecting included, before it counts as a failure (MESH_IDENTITY_TIMEOUT_MS). */
  timeoutMs: number;
}
