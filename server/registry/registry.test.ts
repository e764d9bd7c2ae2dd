import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../shared/events.js';
import type { NodeView } from '../../shared/responses.js';
import { nodeViewFixture } from '../testing/fixtures.js';
import { TestClock } from '../testing/harness.js';
import { HEARTBEAT_REFRESH_MS, Registry } from './registry.js';
import { encodeUptimePage } from './uptime-page.js';

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

describe('Registry uptime figures', () => {
  const figures = (hour: number | null, reputation: number | null) => ({
    uptime: { hour, day: 1, week: 1, missed: 0, regularity: null, firstSeen: 5 },
    reputation,
  });

  it('gives a new view only to the nodes whose figures changed, and ignores nodes it does not know', () => {
    const registry = new Registry(new TestClock().now);
    registry.replaceAll([node('a', 'active'), node('b', 'active')], [], 1);
    expect(
      registry.applyUptimes(encodeUptimePage(['a', 'b', 'gone'], [figures(1, 100), figures(null, 90), figures(1, 1)])),
    ).toEqual({
      changed: 2,
      unknown: 1,
    });
    const a = registry.getNode('a');
    const b = registry.getNode('b');
    expect(a).toMatchObject({ uptime: { hour: 1, firstSeen: 5 }, reputation: 100 });
    expect(b).toMatchObject({ uptime: { hour: null }, reputation: 90 });
    expect(registry.getNode('gone')).toBeUndefined();

    // The same figures again (null included): nothing changes, not even the view objects.
    expect(registry.applyUptimes(encodeUptimePage(['a', 'b'], [figures(1, 100), figures(null, 90)]))).toEqual({
      changed: 0,
      unknown: 0,
    });
    expect(registry.getNode('a')).toBe(a);
    expect(registry.getNode('b')).toBe(b);

    expect(registry.applyUptimes(encodeUptimePage(['a', 'b'], [figures(1, 100), figures(0.5, 90)]))).toEqual({
      changed: 1,
      unknown: 0,
    });
    expect(registry.getNode('a')).toBe(a);
    expect(registry.getNode('b')).toMatchObject({ uptime: { hour: 0.5 }, reputation: 90 });
  });

  it('keeps answers until told to drop them, and lays the figures over nodes that arrive by event', () => {
    const registry = new Registry(new TestClock().now);
    registry.replaceAll([node('a', 'active')], [], 1);
    const before = registry.list({ status: 'active' });
    registry.applyUptimes(encodeUptimePage(['a'], [figures(1, 100)]));
    expect(registry.list({ status: 'active' })).toBe(before);
    registry.invalidateAnswers();
    expect(registry.list({ status: 'active' }).nodes[0]).toMatchObject({ reputation: 100 });

    registry.applyEvent(event(2, node('a', 'offline')));
    expect(registry.getNode('a')).toMatchObject({ status: 'offline', reputation: 100 });
    // A deleted node's figures go with it (and that is counted): the same id registered again starts without them.
    const drops = registry.uptimeDrops;
    registry.applyEvent({ ...event(3, node('a', 'offline')), type: 'node.removed', node: null });
    expect(registry.uptimeDrops).toBe(drops + 1);
    registry.applyEvent(event(4, node('a', 'pending')));
    expect(registry.getNode('a')).toMatchObject({ status: 'pending', reputation: node('a', 'pending').reputation });
  });
});
