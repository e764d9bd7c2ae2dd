import { NODE_STATUSES } from '../../shared/fields.js';
import type { RegionConcentrationChange } from '../../shared/events.js';
import type { NodeView, RegionConcentration, StatusCounts } from '../../shared/responses.js';

/** The key under which topology counts nodes that declared no region: no valid region can be spelt so. */
export const NO_REGION = '(none)';

/**
 * Below this many active nodes a share means little (one node of two is half the network), so no
 * concentration is reported: a network that small cannot spread over regions anyway.
 */
export const MIN_ACTIVE_NODES_FOR_CONCENTRATION = 4;

/** A BFT network halts when more than this share of its validators fails at once. */
export const CONCENTRATION_SHARE = 1 / 3;

/** Counts by status per region, nodes without a region under NO_REGION. */
export function regionCounts(nodes: Iterable<Pick<NodeView, 'region' | 'status'>>): Record<string, StatusCounts> {
  const tally = new RegionTally();
  for (const node of nodes) tally.add(node);
  return tally.counts();
}

/**
 * regionCounts kept up to date node by node, so that the sweeper's concentration check, every pass,
 * does not count a million nodes again. A region whose nodes all left keeps its (zero) counts: no
 * concentration figure changes for it.
 */
export class RegionTally {
  readonly #regions = new Map<string, StatusCounts>();

  add(node: Pick<NodeView, 'region' | 'status'>, by: 1 | -1 = 1): void {
    const key = node.region ?? NO_REGION;
    let counts = this.#regions.get(key);
    if (!counts) {
      counts = Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as StatusCounts;
      this.#regions.set(key, counts);
    }
    counts[node.status] += by;
  }

  remove(node: Pick<NodeView, 'region' | 'status'>): void {
    this.add(node, -1);
  }

  clear(): void {
    this.#regions.clear();
  }

  counts(): Record<string, StatusCounts> {
    return Object.fromEntries(this.#regions);
  }
}

/**
 * Whether one region holds more than CONCENTRATION_SHARE of the active nodes. Nodes without a region
 * count among the active nodes but never as a region: their location is unknown, not shared.
 */
export function regionConcentration(regions: Record<string, StatusCounts>): RegionConcentration {
  let activeNodes = 0;
  let region: string | null = null;
  let regionActiveNodes = 0;
  for (const [name, counts] of Object.entries(regions)) {
    activeNodes += counts.active;
    // Ties go to the name first in order, so the answer does not depend on insertion order.
    if (name === NO_REGION || counts.active === 0) continue;
    if (counts.active > regionActiveNodes || (counts.active === regionActiveNodes && region !== null && name < region)) {
      region = name;
      regionActiveNodes = counts.active;
    }
  }
  const share = activeNodes === 0 ? 0 : regionActiveNodes / activeNodes;
  return {
    concentrated: activeNodes >= MIN_ACTIVE_NODES_FOR_CONCENTRATION && regionActiveNodes > CONCENTRATION_SHARE * activeNodes,
    region,
    regionActiveNodes,
    activeNodes,
    share,
  };
}

/**
 * Remembers whether the last recorded state was concentrated, so the sweeper records a
 * mesh.concentration event only on entering or leaving it. Process-local: a mesh that starts
 * while concentrated records the entry once more.
 */
export class RegionConcentrationWatch {
  #concentrated = false;

  /** The change to record in the pass's transaction, or null when the state is the recorded one. */
  decide(state: RegionConcentration): RegionConcentrationChange | null {
    if (state.concentrated === this.#concentrated) return null;
    return { change: state.concentrated ? 'entered' : 'exited', state };
  }

  /** After the pass that recorded `change` committed. */
  settle(change: RegionConcentrationChange): void {
    this.#concentrated = change.change === 'entered';
  }
}
