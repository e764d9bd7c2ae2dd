import type { Tx } from '../../db/database.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import type { NodeView, ServiceHealth, ServiceView } from '../../shared/responses.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import type { ProbeTarget } from '../registry/service-health.js';
import { readNodeView } from './node-views.js';

const isService = (service: Pick<ServiceView, 'type' | 'port'>, target: Pick<ProbeTarget, 'type' | 'port'>) =>
  service.type === target.type && service.port === target.port;

/**
 * Records that a probe found a service in a new state: a service.health event carrying the node
 * with that result (and, for its other services, the results `known` holds). Nothing is written
 * when the node changed while the probe was out: no longer active, at another address, or without
 * that service. Returns whether the event was written.
 */
export async function recordHealthChange(
  tx: Tx,
  record: WriteRecord,
  now: number,
  target: ProbeTarget,
  health: ServiceHealth,
  known: NodeView | undefined,
): Promise<boolean> {
  const node = await readNodeView(tx, target.nodeId);
  if (!node || node.status !== 'active' || node.tailscale_ip !== target.ip) return false;
  if (!node.services.some((service) => isService(service, target))) return false;
  const knownServices = known?.tailscale_ip === target.ip ? known.services : [];
  const services = node.services.map((service) => ({
    ...service,
    health: isService(service, target)
      ? health
      : (knownServices.find((other) => isService(other, service))?.health ?? service.health),
  }));
  await appendEvent(
    tx,
    record,
    { type: 'service.health', actor: SYSTEM_ACTOR, nodeId: node.id, publicKey: node.public_key, node: { ...node, services } },
    now,
  );
  return true;
}
