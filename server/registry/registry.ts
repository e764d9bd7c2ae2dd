import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MeshEvent } from '../../shared/events.js';
import { NODE_STATUSES, type NodeStatus } from '../../shared/fields.js';
import { selectsNode } from '../../shared/node-filter.js';
import type { NodeListFilter } from '../../shared/requests.js';
import type {
  NodeList,
  NodeView,
  RegionConcentration,
  ServiceHealth,
  SovereignView,
  StatusCounts,
  Topology,
} from '../../shared/responses.js';
import { regionConcentration, regionCounts, RegionTally } from './region-concentration.js';
import { ServiceHealthOverlay, type ProbeTarget } from './service-health.js';
import { compareForSort, withUptime, type UptimeFigures } from './uptime-overlay.js';
import { figuresAt, sameFiguresAt, type EncodedUptimePage } from './uptime-page.js';

/** The topology as discovery knows it; the procedure adds the sweeper's self-preservation state. */
export type TopologySnapshot = Omit<Topology, 'selfPreservation'>;

interface TopologyBody {
  counts: Topology['counts'];
  nodes: NodeView[];
  services: Topology['services'];
  regions: Topology['regions'];
  regionConcentration: RegionConcentration;
}

/**
 * How stale a heartbeat time may be in a list answer. Heartbeats that only prove life arrive by the
 * thousand per second; rebuilding every list for each would make discovery cost as much as the
 * heartbeats, and no answer (nor its ETag) would live long enough to be reused. Statuses, addresses
 * and services are never stale: every event drops the lists at once.
 */
export const HEARTBEAT_REFRESH_MS = 1_000;
const MAX_CACHED_LISTS = 256;

const isSilentSince = (node: NodeView, cutoff: number) =>
  node.status === 'active' && Math.max(node.last_heartbeat ?? 0, node.approved_at ?? 0) < cutoff;
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const isVisible = (node: NodeView) => node.status === 'active' || node.status === 'offline';

/** The index of the first node whose id sorts after `after`, in nodes sorted by id. */
function firstAfter(nodes: readonly NodeView[], after: string): number {
  let low = 0;
  let high = nodes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((nodes[middle] as NodeView).id <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The in-memory snapshot discovery is served from: every node and sovereign key as of `revision`.
 * It moves forward only by applying events in revision order (each carries the node or key after
 * the change), so an answer at revision R holds every change up to R and none after it. Heartbeats
 * that change nothing but the time are applied as touches, outside the revision. Each change drops
 * the computed lists, rebuilt on the next read; reads never touch the database.
 */
export class Registry {
  readonly #nodes = new Map<string, NodeView>();
  /** The nodes' statuses by region, kept with #nodes: statuses and regions change only by an event. */
  readonly #regions = new RegionTally();
  readonly #sovereigns = new Map<string, SovereignView>();
  readonly #health = new ServiceHealthOverlay();
  readonly #uptime = new Map<string, UptimeFigures>();
  #uptimeDrops = 0;
  #lists = new Map<string, NodeList>();
  #topology: TopologySnapshot | null = null;
  #topologyNetwork = '';
  /** When the lists were last dropped: the topology's generatedAt, and the age of heartbeat times in lists. */
  #changedAt = 0;
  #touched = false;
  #version = 0;
  #revision = 0;

  constructor(private readonly now: () => number) {}

  /**
   * Changes whenever a list or topology answer may have changed (heartbeat times included, once
   * they are due): a transport may keep an answer's bytes for as long as this stays the same.
   */
  get answersVersion(): number {
    this.#refreshTouched();
    return this.#version;
  }

  /** The revision of the last event applied. */
  get revision(): number {
    return this.#revision;
  }

  replaceAll(nodeViews: readonly NodeView[], sovereignViews: readonly SovereignView[], revision: number): void {
    this.#revision = revision;
    this.#nodes.clear();
    this.#regions.clear();
    for (const node of nodeViews) {
      this.#nodes.set(node.id, this.#overlay(node));
      this.#regions.add(node);
    }
    this.#health.retain(this.#nodes);
    for (const id of this.#uptime.keys()) {
      if (this.#nodes.has(id)) continue;
      this.#uptime.delete(id);
      this.#uptimeDrops += 1;
    }
    this.#sovereigns.clear();
    for (const sovereign of sovereignViews) this.#sovereigns.set(sovereign.public_key, sovereign);
    this.#invalidate();
  }

  /** Applies the next event; events at or before the current revision were applied already. */
  applyEvent(event: MeshEvent): void {
    if (event.revision <= this.#revision) return;
    this.#revision = event.revision;
    if (event.type.startsWith('sovereign.')) {
      if (event.publicKey === null) return;
      if (event.sovereign) this.#sovereigns.set(event.publicKey, event.sovereign);
      else this.#sovereigns.delete(event.publicKey);
      return;
    }
    if (event.nodeId === null) return;
    const before = this.#nodes.get(event.nodeId);
    if (before) this.#regions.remove(before);
    if (event.node) {
      this.#nodes.set(event.nodeId, this.#overlay(event.node));
      this.#regions.add(event.node);
    } else {
      this.#nodes.delete(event.nodeId);
      this.#health.forget(event.nodeId);
      if (this.#uptime.delete(event.nodeId)) this.#uptimeDrops += 1;
    }
    this.#invalidate();
  }

  /**
   * A probe that found a service as it was (same status): only its check time and latency moved.
   * No event, and like heartbeat touches, lists show it within HEARTBEAT_REFRESH_MS.
   */
  touchServiceHealth(target: ProbeTarget, health: ServiceHealth): void {
    const node = this.#nodes.get(target.nodeId);
    if (!node || !this.#health.record(node, target, health)) return;
    this.#nodes.set(node.id, this.#health.apply(node));
    this.#touched = true;
  }

  /** The health discovery shows for a probe target, or undefined when the target is no longer one. */
  serviceHealth(target: ProbeTarget): ServiceHealth | undefined {
    const node = this.#nodes.get(target.nodeId);
    if (!node || node.status !== 'active' || node.tailscale_ip !== target.ip) return undefined;
    return node.services.find((service) => service.type === target.type && service.port === target.port)?.health;
  }

  /** Every service of every active node with an address: the only places mesh ever connects to. */
  probeTargets(): ProbeTarget[] {
    const targets: ProbeTarget[] = [];
    for (const node of this.#nodes.values()) {
      if (node.status !== 'active' || node.tailscale_ip === null) continue;
      for (const service of node.services)
        targets.push({ nodeId: node.id, ip: node.tailscale_ip, type: service.type, port: service.port });
    }
    return targets;
  }

  /** A heartbeat that changed nothing but the node's last heartbeat time: lists show it within HEARTBEAT_REFRESH_MS. */
  touchHeartbeat(nodeId: string, at: number): void {
    const node = this.#nodes.get(nodeId);
    if (!node || (node.last_heartbeat !== null && node.last_heartbeat >= at)) return;
    this.#nodes.set(nodeId, { ...node, last_heartbeat: at });
    this.#touched = true;
  }

  /**
   * Uptime figures computed from the rollup (services/uptime.ts), a page of nodes at a time. Only
   * the nodes whose figures changed get a new view, and answers are not dropped here: the caller
   * drops them once (invalidateAnswers) after the last page, when any figure changed. Figures of
   * nodes discovery does not know are not kept (`unknown` counts them).
   */
  applyUptimes(page: EncodedUptimePage): { changed: number; unknown: number } {
    let changed = 0;
    let unknown = 0;
    page.ids.forEach((id, index) => {
      const previous = this.#uptime.get(id);
      if (previous && sameFiguresAt(page, index, previous)) return;
      const node = this.#nodes.get(id);
      if (!node) {
        unknown += 1;
        return;
      }
      const figures = figuresAt(page, index);
      this.#uptime.set(id, figures);
      this.#nodes.set(id, withUptime(node, figures));
      changed += 1;
    });
    return { changed, unknown };
  }

  /**
   * How many times figures were dropped with their node (removed, or gone at a reload): a refresh
   * that skips nodes it sent unchanged last time must not skip one whose figures went meanwhile.
   */
  get uptimeDrops(): number {
    return this.#uptimeDrops;
  }

  /** The node with the uptime and reputation last computed for it (the database's view has neither). */
  withUptime(node: NodeView): NodeView {
    return withUptime(node, this.#uptime.get(node.id));
  }

  /** Active nodes whose last sign of life (heartbeat or approval) is older than `cutoff`. */
  silentSince(cutoff: number): string[] {
    const silent: string[] = [];
    for (const node of this.#nodes.values()) if (isSilentSince(node, cutoff)) silent.push(node.id);
    return silent;
  }

  /**
   * silentSince, letting the event loop turn after every `every` nodes: at a million nodes one scan
   * holds the thread for tens of milliseconds. A node added or removed meanwhile may be missed or
   * named: the caller checks every suspect's silence in the database anyway.
   */
  async silentSinceInTurns(cutoff: number, every = 100_000): Promise<string[]> {
    const silent: string[] = [];
    let seen = 0;
    for (const node of this.#nodes.values()) {
      if (isSilentSince(node, cutoff)) silent.push(node.id);
      if (++seen % every === 0) await nextTurn();
    }
    return silent;
  }

  getNode(nodeId: string): NodeView | undefined {
    return this.#nodes.get(nodeId);
  }

  /** Nodes by status: for the metrics, read when they are scraped. */
  statusCounts(): Record<NodeStatus, number> {
    const counts = { pending: 0, active: 0, offline: 0, denied: 0 };
    for (const node of this.#nodes.values()) counts[node.status] += 1;
    return counts;
  }

  get sovereignCount(): number {
    return this.#sovereigns.size;
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  isSovereign(publicKey: string): boolean {
    return this.#sovereigns.has(publicKey);
  }

  sovereigns(): SovereignView[] {
    return [...this.#sovereigns.values()].sort((a, b) => a.added_at - b.added_at || (a.public_key < b.public_key ? -1 : 1));
  }

  /**
   * Nodes by status, service type and region, sorted by id. Without a status, every node that takes part in
   * the network: denied nodes are listed only when asked for by name.
   */
  list(filter: NodeListFilter): NodeList {
    this.#refreshTouched();
    const key = `${filter.status ?? ''}|${filter.service ?? ''}|${filter.region ?? ''}|${filter.sort ?? ''}|${filter.minReputation ?? ''}`;
    const cached = this.#lists.get(key);
    if (cached) return cached;
    // Service types and regions are the client's words: a flood of made-up ones must not grow this map for ever.
    if (this.#lists.size >= MAX_CACHED_LISTS) this.#lists.clear();
    const nodes = [...this.#nodes.values()]
      .filter((node) => selectsNode(node, filter))
      .sort(filter.sort ? compareForSort(filter.sort) : byId);
    // The same object is answered until something changes: transports may cache its serialisation.
    const list = Object.freeze({ nodes, revision: this.#revision });
    this.#lists.set(key, list);
    return list;
  }

  /**
   * One page of a list, in id order: the nodes after `after`, at most `limit`, and the `next`
   * cursor (null on the last page). A page is a slice of the list kept for the filter, so walking
   * a million nodes a page at a time sorts them once, not once a page.
   */
  page(filter: NodeListFilter, limit: number, after: string | undefined): NodeList {
    const { nodes, revision } = this.list({ ...filter, sort: undefined });
    const start = after === undefined ? 0 : firstAfter(nodes, after);
    const page = nodes.slice(start, start + limit);
    const last = page.at(-1);
    return { nodes: page, revision, next: start + limit < nodes.length && last ? last.id : null };
  }

  topology(network: string): TopologySnapshot {
    this.#refreshTouched();
    if (!this.#topology || this.#topologyNetwork !== network) {
      this.#topology = Object.freeze({
        network,
        generatedAt: this.#changedAt,
        ...this.#buildTopology(),
        revision: this.#revision,
      });
      this.#topologyNetwork = network;
    }
    return this.#topology;
  }

  /** Whether one region holds more than a third of the active nodes, as of this snapshot. */
  regionConcentration(): RegionConcentration {
    this.#refreshTouched();
    // Statuses never wait for the heartbeat refresh, so the last topology (or a fresh count) is exact.
    return this.#topology?.regionConcentration ?? regionConcentration(this.#regions.counts());
  }

  /** Something outside the snapshot that answers carry changed (the sweeper's self-preservation state). */
  invalidateAnswers(): void {
    this.#invalidate();
  }

  #overlay(node: NodeView): NodeView {
    return withUptime(this.#health.apply(node), this.#uptime.get(node.id));
  }

  #refreshTouched(): void {
    if (this.#touched && this.now() - this.#changedAt >= HEARTBEAT_REFRESH_MS) this.#invalidate();
  }

  #buildTopology(): TopologyBody {
    const counts = Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as StatusCounts;
    for (const node of this.#nodes.values()) counts[node.status] += 1;
    const nodes = [...this.#nodes.values()].filter(isVisible).sort(byId);
    const services: Topology['services'] = {};
    for (const node of nodes) {
      for (const service of node.services) {
        (services[service.type] ??= []).push({
          nodeId: node.id,
          hostname: node.tailscale_hostname,
          ip: node.tailscale_ip,
          port: service.port,
          publicKey: service.publicKey,
          status: node.status,
          health: service.health,
        });
      }
    }
    const regions = regionCounts(this.#nodes.values());
    return { counts, nodes, services, regions, regionConcentration: regionConcentration(regions) };
  }

  #invalidate(): void {
    this.#lists = new Map();
    this.#topology = null;
    this.#changedAt = this.now();
    this.#touched = false;
    this.#version += 1;
  }
}
