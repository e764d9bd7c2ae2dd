import type { EventType, MeshEvent } from '../../shared/events.js';
import type { Logger } from '../log.js';

const WORDS: Record<EventType, string> = {
  'node.registered': 'registered',
  'node.updated': 'updated its address or services',
  'node.approved': 'approved',
  'node.denied': 'denied',
  'node.removed': 'removed',
  'node.expired': 'expired: still pending after MESH_PENDING_TTL_MS',
  'node.online': 'back online',
  'node.offline': 'offline',
  'sovereign.added': 'added',
  'sovereign.removed': 'removed',
};

/**
 * One info line per change this process committed, naming the node (or sovereign key) and the key
 * that signed the change (`system` for the sweeper and MESH_SOVEREIGN_KEYS). Public keys only: the
 * event carries no signature.
 */
export function logStateChanges(logger: Logger, events: readonly MeshEvent[]): void {
  for (const event of events) {
    const subject = event.type.startsWith('sovereign.')
      ? `sovereign key ${event.publicKey ?? '?'}`
      : `node ${event.nodeId ?? '?'}`;
    logger.info(`${subject} ${WORDS[event.type]}`, {
      event: event.type,
      revision: event.revision,
      nodeId: event.nodeId,
      publicKey: event.publicKey,
      actor: event.actor,
    });
  }
}
