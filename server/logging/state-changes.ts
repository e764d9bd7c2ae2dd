import type {
  EventType,
  MeshEvent,
  PendingFullChange,
  RateLimitedSummary,
  RegionConcentrationChange,
  SelfPreservationChange,
} from '../../shared/events.js';
import type { IdentityChange, IdentityChecked } from '../../shared/identity.js';
import type { Logger } from '../log.js';
import { decisionTally } from '../../shared/decisions.js';

const WORDS: Record<EventType, string> = {
  'node.registered': 'registered',
  'node.updated': 'updated its address or services',
  'node.approved': 'approved',
  'node.denied': 'denied',
  'node.removed': 'removed',
  'node.expired': 'expired: still pending after MESH_PENDING_TTL_MS',
  'node.online': 'back online',
  'node.offline': 'offline',
  'node.identity': 'Tailscale identity checked',
  'node.identity-changed': 'Tailscale node behind its address changed (another stableId)',
  'node.key_rotated': 'changed its key',
  'service.health': 'service health changed',
  'sovereign.added': 'added',
  'sovereign.removed': 'removed',
  'mesh.self-preservation': 'self-preservation',
  'mesh.rate-limited': 'unauthenticated writes refused',
  'mesh.pending-full': 'pending registrations full',
  'mesh.concentration': 'region concentration',
  'decision.signed': 'sovereign decision signed',
  'decision.expired': 'sovereign decision expired unmet',
  'enrollment-key.created': 'created',
  'enrollment-key.revoked': 'revoked',
  'admission.refused': 'refused by the admission policies',
};

// 0.15 * 100 is 15.000000000000002 in floating point.
const percent = (ratio: number) => `${Number((ratio * 100).toFixed(2))}%`;

/** A warning: while it lasts, silent nodes stay active, and someone should find out why they went silent. */
function logSelfPreservation(logger: Logger, event: MeshEvent, change: SelfPreservationChange): void {
  const figures = `${change.silentNodes} of ${change.activeNodes} active nodes silent (more than ${percent(change.ratio)} would go offline)`;
  const message =
    change.change === 'entered'
      ? `self-preservation entered: ${figures}; nobody is marked offline until heartbeats come back, or until ${new Date(change.state.until ?? event.time).toISOString()} at the latest`
      : change.exitReason === 'recovered'
        ? `self-preservation exited: heartbeats are back (${change.silentNodes} of ${change.activeNodes} active nodes silent)`
        : `self-preservation exited after its maximum duration: ${figures}; silent nodes now go offline a few per sweep`;
  logger.warn(message, {
    event: event.type,
    revision: event.revision,
    change: change.change,
    exitReason: change.exitReason,
    activeNodes: change.activeNodes,
    silentNodes: change.silentNodes,
  });
}

/** A warning: some address wrote faster than MESH_RATE_LIMIT_* allow, maybe a flood. */
function logRateLimited(logger: Logger, event: MeshEvent, summary: RateLimitedSummary): void {
  logger.warn(
    `${summary.refusals} unauthenticated writes refused (RATE_LIMITED) from ${summary.addresses} addresses, e.g. ${summary.sample.join(', ')}`,
    { event: event.type, revision: event.revision, ...summary },
  );
}

/** A warning while new registrations are refused; an info line once they are taken again. */
function logPendingFull(logger: Logger, event: MeshEvent, change: PendingFullChange): void {
  const fields = { event: event.type, revision: event.revision, ...change };
  if (change.full)
    logger.warn(
      `pending registrations full: ${change.pending} await a decision (MESH_MAX_PENDING ${change.cap}); new registrations are refused with PENDING_FULL`,
      fields,
    );
  else logger.info(`pending registrations no longer full: ${change.pending} of ${change.cap} await a decision`, fields);
}

/** A warning on entry: losing that one region would halt a BFT network; an info line once it passes. */
function logRegionConcentration(logger: Logger, event: MeshEvent, change: RegionConcentrationChange): void {
  const { region, regionActiveNodes, activeNodes, share } = change.state;
  const fields = { event: event.type, revision: event.revision, change: change.change, region, regionActiveNodes, activeNodes };
  if (change.change === 'entered') {
    logger.warn(
      `region ${region ?? '?'} holds ${regionActiveNodes} of ${activeNodes} active nodes (${percent(share)}), more than a third: losing it would halt the network`,
      fields,
    );
  } else logger.info(`no region holds more than a third of the ${activeNodes} active nodes any more`, fields);
}

/** An info line for a match, a warning for anything else: a node is not who it claims, or tailscaled could not say. */
function logIdentity(logger: Logger, event: MeshEvent, checked: IdentityChecked): void {
  const { evidence, decision } = checked;
  const fields = {
    event: event.type,
    revision: event.revision,
    nodeId: event.nodeId,
    decision,
    result: evidence.result,
    code: evidence.code,
    peerAddress: evidence.peerAddress,
    stableId: evidence.stableId,
  };
  const message = `node ${event.nodeId ?? '?'} Tailscale identity ${evidence.result} (${decision}): ${evidence.reason}`;
  if (evidence.result === 'match') logger.info(message, fields);
  else logger.warn(message, fields);
}

/** A warning: the address now answers to WhoIs as another Tailscale node than at its last check. */
function logIdentityChange(logger: Logger, event: MeshEvent, change: IdentityChange): void {
  logger.warn(
    `Tailscale address ${change.peerAddress} is now node ${change.stableId}, was ${change.previousStableId} (mesh node ${change.previousNodeId}) at its last check`,
    { event: event.type, revision: event.revision, nodeId: event.nodeId, ...change },
  );
}

/**
 * One info line per change this process committed, naming the node (or sovereign key) and the key
 * that signed the change (`system` for the sweeper and MESH_SOVEREIGN_KEYS). Public keys only: the
 * event carries no signature.
 */
export function logStateChanges(logger: Logger, events: readonly MeshEvent[]): void {
  for (const event of events) {
    if (event.selfPreservation) {
      logSelfPreservation(logger, event, event.selfPreservation);
      continue;
    }
    if (event.pendingFull) {
      logPendingFull(logger, event, event.pendingFull);
      continue;
    }
    if (event.rateLimited) {
      logRateLimited(logger, event, event.rateLimited);
      continue;
    }
    if (event.regionConcentration) {
      logRegionConcentration(logger, event, event.regionConcentration);
      continue;
    }
    if (event.identity) {
      logIdentity(logger, event, event.identity);
      continue;
    }
    if (event.identityChange) {
      logIdentityChange(logger, event, event.identityChange);
      continue;
    }
    if (event.decision) {
      const { decision } = event;
      logger.info(`${decision.kind} ${decision.target}: ${WORDS[event.type]} (${decisionTally(decision)})`, {
        event: event.type,
        revision: event.revision,
        kind: decision.kind,
        target: decision.target,
        targetKey: decision.targetKey,
        actor: event.actor,
        effective: decision.effective,
        ...(decision.expiredBecause === undefined ? {} : { expiredBecause: decision.expiredBecause }),
      });
      continue;
    }
    const subject = event.type.startsWith('sovereign.')
      ? `sovereign key ${event.publicKey ?? '?'}`
      : event.type.startsWith('enrollment-key.')
        ? `enrollment key ${event.enrollmentKey?.id ?? '?'}`
        : `node ${event.nodeId ?? '?'}`;
    logger.info(`${subject} ${WORDS[event.type]}`, {
      event: event.type,
      revision: event.revision,
      nodeId: event.nodeId,
      publicKey: event.publicKey,
      actor: event.actor,
      ...(event.reason === undefined ? {} : { reason: event.reason }),
      ...(event.keyRotation === undefined ? {} : { keyRotation: event.keyRotation }),
    });
  }
}
