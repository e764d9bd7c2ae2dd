import { describe, expect, it } from 'vitest';
import { UNKNOWN_HEALTH, type NodeView } from '../../shared/responses.js';
import { nodeDetails, nodeTable, Output, selfPreservationText } from './output.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

const node: NodeView = {
  id: 'validator-002',
  public_key: 'de'.repeat(32),
  tailscale_hostname: 'validator-b.ts.net',
  tailscale_ip: '100.64.0.5',
  region: null,
  zone: null,
  status: 'active',
  registered_at: NOW - 3_600_000,
  approved_at: NOW - 3_000_000,
  approved_by: 'ab'.repeat(32),
  last_heartbeat: NOW - 30_000,
  services: [
    {
      type: 'ledger',
      port: 8080,
      publicKey: '11'.repeat(32),
      health: { status: 'up', checkedAt: NOW - 12_000, latencyMs: 0.42 },
    },
    { type: 't4', port: 8180, publicKey: null, health: { status: 'down', checkedAt: NOW - 40_000, latencyMs: null } },
    { type: 'identity', port: 8300, publicKey: null, health: UNKNOWN_HEALTH },
  ],
  uptime: { hour: 1, day: 0.975, week: 0.99, missed: 18, regularity: 0.98, firstSeen: NOW - 3_500_000 },
  reputation: 97.8,
};

describe('mesh nodes', () => {
  it('shows the day’s uptime and the reputation, or - before mesh could observe any interval', () => {
    const lines = nodeTable(
      new Output(false, false),
      [node, { ...node, id: 'validator-003', uptime: { ...node.uptime, day: null }, reputation: null }],
      NOW,
    ).split('\n');
    expect(lines[0]).toMatch(/LAST HEARTBEAT +UPTIME 1D +REPUTATION$/);
    expect(lines[1]).toMatch(/30s ago +97% +97\.8$/);
    expect(lines[2]).toMatch(/30s ago +- +-$/);
  });
});

describe('mesh node', () => {
  it('shows uptime and reputation', () => {
    const text = nodeDetails(new Output(false, false), node, NOW);
    expect(text).toContain(
      'hour 100%, day 97%, week 99%; 18 missed in the last day, regularity 98%, first seen 2026-11-24 11:01:40Z (58m ago)',
    );
    expect(text).toMatch(/reputation +97\.8 of 100/);
  });

  it("prints each service's health: up with its latency, down, or unknown, and when it was checked", () => {
    const text = nodeDetails(new Output(false, false), node, NOW);
    expect(text.split('\n').slice(-4)).toEqual([
      '  TYPE      PORT  HEALTH       CHECKED  PUBLIC KEY',
      `  ledger    8080  up (0.42ms)  12s ago  ${'11'.repeat(32)}`,
      '  t4        8180  down         40s ago  -',
      '  identity  8300  unknown      -        -',
    ]);
  });
});

const SP_NOW = Date.UTC(2026, 11, 3, 9, 0, 0);
const off = { active: false, since: null, until: null, activeNodes: null, silentNodes: null, draining: false };

describe('selfPreservationText (mesh info, mesh topology)', () => {
  it('says off, or off and draining', () => {
    expect(selfPreservationText(off, SP_NOW)).toBe('off');
    expect(selfPreservationText({ ...off, draining: true }, SP_NOW)).toBe(
      'off, draining: the nodes still silent when it ran out go offline a few per sweep',
    );
  });

  it('says since when, the figures and the latest end while it lasts', () => {
    const since = SP_NOW - 120_000;
    const state = { active: true, since, until: since + 900_000, activeNodes: 40, silentNodes: 12, draining: false };
    expect(selfPreservationText(state, SP_NOW)).toBe(
      'ON since 2026-12-03 08:58:00Z (2m ago): 12 of 40 active nodes went silent at once; nobody is marked offline until heartbeats come back, 2026-12-03T09:13:00.000Z at the latest',
    );
  });
});
