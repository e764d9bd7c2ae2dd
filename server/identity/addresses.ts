import { BlockList, isIP } from 'node:net';

/**
 * An address as a socket reports it, in the form WhoIs and a claim use: an IPv4 peer of a dual-stack
 * listener arrives as ::ffff:a.b.c.d, which is the IPv4 address a.b.c.d.
 */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Whether two textual addresses are the same address (IPv6 may be written several ways). */
export function sameAddress(a: string, b: string): boolean {
  if (isIP(a) === 0 || isIP(a) !== isIP(b)) return false;
  const list = new BlockList();
  list.addAddress(a, family(a));
  return list.check(b, family(b));
}

/** A matcher for CIDR prefixes (MESH_TAILNET_PREFIXES), built once. */
export function prefixMatcher(prefixes: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const prefix of prefixes) {
    const [network = '', bits = ''] = prefix.split('/');
    list.addSubnet(network, Number(bits), family(network));
  }
  return (address) => isIP(address) !== 0 && list.check(address, family(address));
}

/** The address of a tailcfg Node.Addresses entry ("100.64.0.5/32"): a single-host prefix names one address. */
export function prefixAddress(prefix: string): string {
  return prefix.split('/')[0] ?? '';
}
