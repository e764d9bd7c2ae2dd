import { UNKNOWN_HEALTH, type NodeView, type ServiceHealth } from '../../shared/responses.js';

/** One service of one active node, at the address it registered: what the prober connects to. */
export interface ProbeTarget {
  nodeId: string;
  ip: string;
  type: string;
  port: number;
}

/** Nodes whose services keep their last probe result: an offline node's says when it was last seen up. */
const KEEPS_HEALTH = new Set<NodeView['status']>(['active', 'offline']);

// Keyed by address too: a result found at a node's old address says nothing about its new one.
const keyOf = (ip: string, type: string, port: number) => `${ip}|${type}|${port}`;

const newer = (a: ServiceHealth, b: ServiceHealth | undefined): ServiceHealth =>
  b === undefined || (a.checkedAt !== null && (b.checkedAt === null || a.checkedAt >= b.checkedAt)) ? a : b;

function withUnknownHealth(node: NodeView): NodeView {
  if (node.services.every((service) => service.health.status === 'unknown')) return node;
  return { ...node, services: node.services.map((service) => ({ ...service, health: UNKNOWN_HEALTH })) };
}

/**
 * The probe results the registry lays over node views. The database knows no service's health
 * (its views say unknown), so every view that enters the registry, from an event or a reload, goes
 * through apply(): the newest result per service wins, whether it came from this process's prober
 * or from a service.health event another process wrote. Only current services are kept, so the
 * overlay never outgrows the registry.
 */
export class ServiceHealthOverlay {
  readonly #byNode = new Map<string, Map<string, ServiceHealth>>();

  /** The node with the newest health known for each of its services; takes in what the view itself carries. */
  apply(node: NodeView): NodeView {
    const ip = node.tailscale_ip;
    if (!KEEPS_HEALTH.has(node.status) || ip === null) {
      this.#byNode.delete(node.id);
      return withUnknownHealth(node);
    }
    const previous = this.#byNode.get(node.id);
    const current = new Map<string, ServiceHealth>();
    let changed = false;
    const services = node.services.map((service) => {
      const key = keyOf(ip, service.type, service.port);
      const health = newer(service.health, previous?.get(key));
      if (health.checkedAt !== null) current.set(key, health);
      if (health === service.health) return service;
      changed = true;
      return { ...service, health };
    });
    if (current.size > 0) this.#byNode.set(node.id, current);
    else this.#byNode.delete(node.id);
    return changed ? { ...node, services } : node;
  }

  /** Records a probe result for a service `node` still offers at the probed address; false when it does not. */
  record(node: NodeView, target: ProbeTarget, health: ServiceHealth): boolean {
    if (node.status !== 'active' || node.tailscale_ip !== target.ip) return false;
    if (!node.services.some((service) => service.type === target.type && service.port === target.port)) return false;
    const known = this.#byNode.get(node.id) ?? new Map<string, ServiceHealth>();
    const key = keyOf(target.ip, target.type, target.port);
    if (newer(health, known.get(key)) !== health) return false;
    known.set(key, health);
    this.#byNode.set(node.id, known);
    return true;
  }

  forget(nodeId: string): void {
    this.#byNode.delete(nodeId);
  }

  /** Drops what is known of nodes that are gone (after a reload). */
  retain(nodes: ReadonlyMap<string, unknown>): void {
    for (const nodeId of this.#byNode.keys()) if (!nodes.has(nodeId)) this.#byNode.delete(nodeId);
  }
}
