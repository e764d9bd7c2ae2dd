import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../shared/events.js';
import type { NodeView } from '../../shared/responses.js';
import { nodeViewFixture } from '../testing/fixtures.js';
import { TestClock } from '../testing/harness.js';
import { HEARTBEAT_REFRESH_MS, Registry } from './registry.js';

const node = (id: string, status: NodeView['status'], extra: Partial<NodeView> = {}): NodeView =>
  nodeViewFixture({
    id,
    public_key: id.padEnd(64, '0'),
    tailscale_ip: null,
    status,
    approved_at: null,
    approved_by: null,
    ...extra,
  });

const event = (revision: number, view: NodeView): MeshEvent => ({
  revision,
  type: 'node.updated',
  time: 1,
  actor: 'system',
  nodeId: view.id,
  publicKey: view.public_key,
  node: view,
  sovereign: null,
});

describe('Registry', () => {
  it('answers the same list object until an event changes it, then shows the change at once', () => {
    const clock = new TestClock();
    const registry = new Registry(clock.now);
    registry.replaceAll([node('a', 'active')], [], 7);
    const first = registry.list({ status: 'active' });
    expect(first).toEqual({ nodes: [node('a', 'active')], revision: 7 });
    expect(registry.list({ status: 'active' })).toBe(first);

    registry.applyEvent(event(8, node('a', 'offline')));
    expect(registry.list({ status: 'active' })).toEqual({ nodes: [], revision: 8 });
    expect(registry.topology('tana')).toMatchObject({ counts: { offline: 1 }, revision: 8 });
    // An event the snapshot already holds is not applied twice.
    registry.applyEvent(event(8, node('a', 'active')));
    expect(registry.getNode('a')?.status).toBe('offline');
  });

  it('shows heartbeat times in lists within HEARTBEAT_REFRESH_MS, and in a single node at once', () => {
    const clock = new TestClock();
    const registry = new Registry(clock.now);
    registry.replaceAll([node('a', 'active')], [], 1);
    registry.list({});
    registry.touchHeartbeat('a', 500);
    expect(registry.getNode('a')?.last_heartbeat).toBe(500);
    expect(registry.list({}).nodes[0]?.last_heartbeat).toBeNull();
    const version = registry.answersVersion;
    clock.advance(HEARTBEAT_REFRESH_MS);
    // Transports holding an answer's bytes learn it is stale from the version.
    expect(registry.answersVersion).toBe(version + 1);
    expect(registry.list({}).nodes[0]?.last_heartbeat).toBe(500);
    expect(registry.revision).toBe(1);
  });
});
