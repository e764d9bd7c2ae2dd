import type { NodeListSort } from '../../shared/requests.js';
import type { NodeView, UptimeFigures } from '../../shared/responses.js';

export type { UptimeFigures };

/**
 * The node with the uptime last computed from the rollup. The database's view knows only the first
 * heartbeat, which may be newer than the figures (a node first seen since the last refresh).
 */
export function withUptime(node: NodeView, figures: UptimeFigures | undefined): NodeView {
  if (!figures) return node;
  const firstSeen = figures.uptime.firstSeen ?? node.uptime.firstSeen;
  return { ...node, uptime: { ...figures.uptime, firstSeen }, reputation: figures.reputation };
}

const byIdThen = (a: NodeView, b: NodeView) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Highest first, nodes without a figure last, ties by id: `uptime` sorts by the day's uptime. */
export function compareForSort(sort: NodeListSort): (a: NodeView, b: NodeView) => number {
  const figure = sort === 'reputation' ? (node: NodeView) => node.reputation : (node: NodeView) => node.uptime.day;
  return (a, b) => (figure(b) ?? -1) - (figure(a) ?? -1) || byIdThen(a, b);
}
