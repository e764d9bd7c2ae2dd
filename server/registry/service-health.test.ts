import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../shared/events.js';
import { UNKNOWN_HEALTH, type NodeView, type ServiceHealth } from '../../shared/responses.js';
import { nodeViewFixture } from '../testing/fixtures.js';
import { Registry } from './registry.js';

const node = (overrides: Partial<NodeView> = {}, health: ServiceHealth = UNKNOWN_HEALTH): NodeView =>
  nodeViewFixture({ services: [{ type: 'ledger', port: 8080, publicKey: null, health }], ...overrides });

const event = (revision: number, type: MeshEvent['type'], view: NodeView | null): MeshEvent => ({
  revision,
  type,
  time: revision,
  actor: 'system',
  nodeId: 'n1',
  publicKey: 'ab'.repeat(32),
  node: view,
  sovereign: null,
});

const target = { nodeId: 'n1', ip: '100.64.0.5', type: 'ledger', port: 8080 };
const up = (checkedAt: number): ServiceHealth => ({ status: 'up', checkedAt, latencyMs: 1 });
const down = (checkedAt: number): ServiceHealth => ({ status: 'down', checkedAt, latencyMs: null });

describe('the registry and service health', () => {
  it('takes health from service.health events (its own or another process’s), keeps the newest, and bumps answersVersion', () => {
    const registry = new Registry(() => 0);
    registry.replaceAll([node()], [], 0);
    const version = registry.answersVersion;
    registry.applyEvent(event(1, 'service.health', node({}, up(100))));
    expect(registry.answersVersion).toBeGreaterThan(version);
    expect(registry.list({}).nodes[0]?.services[0]?.health).toEqual(up(100));
    // A result older than what is known (another process probed earlier) does not win.
    registry.applyEvent(event(2, 'service.health', node({}, down(50))));
    expect(registry.serviceHealth(target)).toEqual(up(100));
  });

  it('keeps health through events whose view knows none, and through a reload from the database', () => {
    const registry = new Registry(() => 0);
    registry.replaceAll([node()], [], 0);
    registry.applyEvent(event(1, 'service.health', node({}, up(100))));
    registry.applyEvent(event(2, 'node.updated', node({ tailscale_hostname: 'moved.ts.net' })));
    expect(registry.getNode('n1')?.services[0]?.health).toEqual(up(100));
    registry.replaceAll([node()], [], 2);
    expect(registry.getNode('n1')?.services[0]?.health).toEqual(up(100));
  });

  it('forgets health when the node moves, leaves active and offline, or is removed', () => {
    const registry = new Registry(() => 0);
    registry.replaceAll([node()], [], 0);
    registry.applyEvent(event(1, 'service.health', node({}, up(100))));
    registry.applyEvent(event(2, 'node.updated', node({ tailscale_ip: '100.64.0.6' })));
    expect(registry.getNode('n1')?.services[0]?.health).toEqual(UNKNOWN_HEALTH);

    registry.applyEvent(event(3, 'service.health', node({ tailscale_ip: '100.64.0.6' }, up(200))));
    registry.applyEvent(event(4, 'node.offline', node({ tailscale_ip: '100.64.0.6', status: 'offline' })));
    expect(registry.getNode('n1')?.services[0]?.health).toEqual(up(200));
    registry.applyEvent(event(5, 'node.denied', node({ tailscale_ip: '100.64.0.6', status: 'denied' })));
    expect(registry.getNode('n1')?.services[0]?.health).toEqual(UNKNOWN_HEALTH);
    registry.applyEvent(event(6, 'node.approved', node({ tailscale_ip: '100.64.0.6' })));
    expect(registry.getNode('n1')?.services[0]?.health).toEqual(UNKNOWN_HEALTH);
  });

  it('lists only active nodes with an address as probe targets', () => {
    const registry = new Registry(() => 0);
    registry.replaceAll(
      [
        node(),
        node({ id: 'pending', status: 'pending' }),
        node({ id: 'offline', status: 'offline' }),
        node({ id: 'no-ip', tailscale_ip: null }),
      ],
      [],
      0,
    );
    expect(registry.probeTargets()).toEqual([target]);
  });
});
