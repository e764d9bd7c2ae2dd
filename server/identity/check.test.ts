import { describe, expect, it } from 'vitest';
import { useCleanups } from '../testing/servers.js';
import { checkTailscaleIdentity } from './check.js';
import type { IdentitySettings } from '../settings/identity-settings.js';
import { LocalApiStandIn, whoIsFixture } from './testing/local-api.js';

const defer = useCleanups();

// The check as a plain service function, as admission code calls it: no server, no database.
describe('checkTailscaleIdentity', () => {
  const settingsFor = (socketPath: string): IdentitySettings => ({
    mode: 'advisory',
    socketPath,
    tags: [],
    tailnetPrefixes: ['100.64.0.0/10', 'fd7a:115c:a1e0::/48'],
    timeoutMs: 1_000,
  });
  const node = {
    stableId: 'nA1b2C3CNTRL',
    name: 'ledger-1.tail-scale.ts.net.',
    hostname: 'ledger-1',
    addresses: ['100.101.102.103/32', 'fd7a:115c:a1e0::1234/128'],
  };

  it('returns the evidence of a match, asking about the peer address and port', async () => {
    const localApi = await LocalApiStandIn.start(defer);
    localApi.answer('100.101.102.103', { kind: 'whois', body: whoIsFixture(node) });
    const evidence = await checkTailscaleIdentity(
      settingsFor(localApi.socketPath),
      { peerAddress: '100.101.102.103', peerPort: 51234, tailscaleIP: '100.101.102.103', hostname: 'ledger-1' },
      () => 1_700_000_000_000,
    );
    expect(evidence).toEqual({
      result: 'match',
      code: null,
      reason: '100.101.102.103 is tailnet node ledger-1.tail-scale.ts.net. (nA1b2C3CNTRL), authorized',
      peerAddress: '100.101.102.103',
      stableId: 'nA1b2C3CNTRL',
      nodeKey: 'nodekey:4d2a8b0c93f1e6a7d5c2b8e9f0a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4',
      name: 'ledger-1.tail-scale.ts.net.',
      tags: [],
      user: 'alice@example.com',
      checkedAt: 1_700_000_000_000,
    });
    expect(localApi.requests.map((request) => request.addr)).toEqual(['100.101.102.103:51234']);
  });

  it('takes an IPv4 peer of a dual-stack listener (::ffff:a.b.c.d) for the IPv4 address, and IPv6 written any way', async () => {
    const localApi = await LocalApiStandIn.start(defer);
    localApi.answer('100.101.102.103', { kind: 'whois', body: whoIsFixture(node) });
    localApi.answer('fd7a:115c:a1e0::1234', { kind: 'whois', body: whoIsFixture(node) });
    const settings = settingsFor(localApi.socketPath);
    const mapped = await checkTailscaleIdentity(
      settings,
      { peerAddress: '::ffff:100.101.102.103', peerPort: 1, tailscaleIP: '100.101.102.103', hostname: 'ledger-1' },
      () => 1,
    );
    expect(mapped).toMatchObject({ result: 'match', peerAddress: '100.101.102.103' });
    const v6 = await checkTailscaleIdentity(
      settings,
      { peerAddress: 'fd7a:115c:a1e0::1234', peerPort: 1, tailscaleIP: 'FD7A:115C:A1E0:0:0:0:0:1234', hostname: 'ledger-1' },
      () => 1,
    );
    expect(v6).toMatchObject({ result: 'match' });
    expect(localApi.requests.at(-1)?.addr).toBe('[fd7a:115c:a1e0::1234]:1');
  });

  it('a call without a peer address (in-process) is outside the tailnet, and tailscaled is not asked', async () => {
    const localApi = await LocalApiStandIn.start(defer);
    const evidence = await checkTailscaleIdentity(
      settingsFor(localApi.socketPath),
      { peerAddress: undefined, peerPort: undefined, tailscaleIP: '100.101.102.103', hostname: 'ledger-1' },
      () => 1,
    );
    expect(evidence).toMatchObject({ result: 'mismatch', code: 'IDENTITY_NOT_IN_TAILNET', stableId: null });
    expect(localApi.requests).toEqual([]);
  });

  it('an answer too large to be a WhoIs is an error, not evidence', async () => {
    const localApi = await LocalApiStandIn.start(defer);
    localApi.answer('100.101.102.103', { kind: 'raw', body: `{"Node":${JSON.stringify('x'.repeat(2 << 20))}}` });
    const evidence = await checkTailscaleIdentity(
      settingsFor(localApi.socketPath),
      { peerAddress: '100.101.102.103', peerPort: 1, tailscaleIP: '100.101.102.103', hostname: 'ledger-1' },
      () => 1,
    );
    expect(evidence).toMatchObject({ result: 'error', code: 'IDENTITY_UNAVAILABLE' });
    expect(evidence.reason).toMatch(/larger than/);
  });
});
