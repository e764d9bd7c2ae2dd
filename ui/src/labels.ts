import type { EventType, PendingFullChange, RateLimitedSummary, SelfPreservationChange } from '../../shared/events.js';
import type { SelfPreservation } from '../../shared/responses.js';
import type { NodeStatus } from '../../shared/fields.js';

// Keyed by shared/'s types, so the compiler checks that every status and event type has its words;
// the page takes no runtime value from the zod modules, which keeps zod out of its bundle.

export const STATUS_LABELS: Record<NodeStatus, string> = {
  active: 'Active',
  pending: 'Pending approval',
  offline: 'Offline',
  denied: 'Denied',
};
export const STATUSES = Object.keys(STATUS_LABELS) as NodeStatus[];

export const EVENT_LABELS: Record<EventType, string> = {
  'node.registered': 'registered',
  'node.updated': 'registration updated',
  'node.approved': 'approved',
  'node.denied': 'denied',
  'node.removed': 'removed',
  'node.expired': 'expired undecided',
  'node.online': 'back online',
  'node.offline': 'went offline',
  'node.identity': 'Tailscale identity checked',
  'node.identity-changed': 'Tailscale node behind an address changed',
  'node.key_rotated': 'key rotated',
  'service.health': 'service health changed',
  'sovereign.added': 'sovereign key added',
  'sovereign.removed': 'sovereign key removed',
  'mesh.self-preservation': 'self-preservation',
  'mesh.rate-limited': 'writes rate-limited',
  'mesh.pending-full': 'pending registrations full',
  'mesh.concentration': 'region concentration',
  'decision.signed': 'decision signed',
  'decision.expired': 'decision expired',
  'enrollment-key.created': 'enrollment key created',
  'enrollment-key.revoked': 'enrollment key revoked',
  'admission.refused': 'registration refused',
};
export const EVENT_TYPE_LIST = Object.keys(EVENT_LABELS) as EventType[];

/** What a mesh.self-preservation event says, in the events table's subject column. */
export function selfPreservationText(change: SelfPreservationChange): string {
  if (change.change === 'entered') return `entered: ${change.silentNodes} of ${change.activeNodes} active nodes silent`;
  return change.exitReason === 'recovered'
    ? 'exited: heartbeats are back'
    : 'exited after its maximum: silent nodes go offline a few at a time';
}

/** What a mesh.rate-limited event says, in the events table's subject column. */
export function rateLimitedText(summary: RateLimitedSummary): string {
  return `${summary.refusals} unauthenticated writes refused from ${summary.addresses} addresses`;
}

/** What a mesh.pending-full event says, in the events table's subject column. */
export function pendingFullText(change: PendingFullChange): string {
  return change.full
    ? `full: ${change.pending} of ${change.cap} registrations await a decision; new ones are refused`
    : `no longer full: ${change.pending} of ${change.cap} pending`;
}

/** The sweeper's self-preservation state, for the overview. */
export function selfPreservationState(state: SelfPreservation): string {
  if (state.active) {
    return `on: ${state.silentNodes} of ${state.activeNodes} active nodes went silent at once; nobody is marked offline until heartbeats come back`;
  }
  return state.draining ? 'off, draining: the nodes still silent go offline a few at a time' : 'off';
}
