import type { EventType } from '../../shared/events.js';
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
  'sovereign.added': 'sovereign key added',
  'sovereign.removed': 'sovereign key removed',
};
export const EVENT_TYPE_LIST = Object.keys(EVENT_LABELS) as EventType[];
