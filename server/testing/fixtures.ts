import { SYSTEM_ACTOR } from '../../shared/events.js';
import { UNKNOWN_HEALTH, UNKNOWN_UPTIME, type NodeView } from '../../shared/responses.js';
import { appendEvents } from '../events/log.js';
import type { Mesh } from '../mesh.js';
import { writeAndPublish } from '../write.js';

/** An approved node's view, as the registry holds it, with `overrides` laid over it. */
export function nodeViewFixture(overrides: Partial<NodeView> = {}): NodeView {
  const id = overrides.id ?? 'n1';
  return {
    id,
    public_key: 'ab'.repeat(32),
    tailscale_hostname: `${id}.ts.net`,
    tailscale_ip: '100.64.0.5',
    region: null,
    zone: null,
    status: 'active',
    registered_at: 1,
    approved_at: 2,
    approved_by: 'cd'.repeat(32),
    last_heartbeat: null,
    services: [],
    uptime: UNKNOWN_UPTIME,
    reputation: null,
    ...overrides,
  };
}

/** A node announcing 32 services with keys: about 4 kB of JSON, for tests that need volume. */
export function bulkyNodeView(id: string): NodeView {
  return nodeViewFixture({
    id,
    tailscale_ip: '100.64.0.1',
    last_heartbeat: 3,
    services: Array.from({ length: 32 }, (_, i) => ({
      type: `service-${i}`,
      port: 1000 + i,
      publicKey: 'ef'.repeat(32),
      health: UNKNOWN_HEALTH,
    })),
  });
}

/**
 * Commits and publishes `count` node.updated events of one bulky node (about 4 kB each): a backlog
 * of megabytes, more than socket buffers hold, for tests of readers that fall behind.
 */
export async function writeBulkyBacklog(mesh: Mesh, count: number): Promise<void> {
  const node = bulkyNodeView('n');
  await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
    appendEvents(
      tx,
      record,
      Array.from({ length: count }, () => ({
        type: 'node.updated' as const,
        actor: SYSTEM_ACTOR,
        nodeId: 'n',
        publicKey: node.public_key,
        node,
      })),
      1,
    ),
  );
}
