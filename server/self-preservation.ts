import type { SelfPreservationChange } from '../shared/events.js';
import type { SelfPreservation } from '../shared/responses.js';

export interface SelfPreservationSettings {
  /** MESH_SELF_PRESERVATION_RATIO: the share of the active nodes that may go offline in one window. */
  ratio: number;
  /** MESH_SELF_PRESERVATION_MAX_MS. */
  maxMs: number;
  /** MESH_OFFLINE_RATE: silent nodes marked offline per pass once self-preservation ran out. */
  offlineRate: number;
  /** MESH_OFFLINE_AFTER_MS: also the window over which offline marks are counted. */
  offlineAfterMs: number;
}

/**
 * A single node going silent says nothing about mesh's own link: self-preservation needs at least
 * this many, so a network of one or two nodes loses a dead node at once, as before.
 */
export const MIN_SILENT_NODES = 2;

type Mode =
  | { kind: 'normal' }
  | { kind: 'preserving'; since: number; until: number; activeNodes: number; silentNodes: number }
  | { kind: 'draining' };

/** What one sweeper pass may do about the active nodes silent past the offline threshold. */
export interface OfflineDecision {
  /** How many of them may go offline in this pass: those silent longest first. */
  allowed: number;
  /** A change of state, to be recorded as a mesh.self-preservation event in the pass's transaction. */
  change: SelfPreservationChange | null;
  /** The state once the pass has committed. */
  readonly next: Mode;
}

interface OfflineMark {
  at: number;
  count: number;
}

/**
 * Whether the sweeper may mark silent nodes offline: when mesh itself is cut off (its link, its
 * host, the tailnet), every node goes silent at once, and marking them all offline would empty
 * discovery for everyone. When more than `ratio` of the active nodes would go offline within one
 * offline window, mesh enters self-preservation and marks nobody offline. It leaves on its own when
 * heartbeats come back (then silence counts only from that moment, as after start-up), or after
 * `maxMs` at the latest: the nodes still silent then go offline, at most `offlineRate` per pass.
 * Unlike Eureka's (Netflix/eureka#1073), it always ends.
 *
 * Process-local state, kept here alone so that it can become the leader's only. A pass asks
 * `decide` inside its transaction and hands the decision to `settle` once that has committed: a
 * pass that fails to commit changes nothing.
 */
export class SelfPreservationGate {
  #mode: Mode = { kind: 'normal' };
  /** Offline marks of normal passes within the last offline window: bounded by window / sweep interval. */
  #recent: OfflineMark[] = [];
  #listeningSince: number;
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly settings: SelfPreservationSettings,
    startedAt: number,
  ) {
    this.#listeningSince = startedAt;
  }

  /**
   * Silence before this time is not held against a node: mesh could not hear it. The start of this
   * process, or the end of a self-preservation that ended because heartbeats came back.
   */
  get listeningSince(): number {
    return this.#listeningSince;
  }

  get active(): boolean {
    return this.#mode.kind === 'preserving';
  }

  /** Calls `listener` whenever the state `view` answers changes. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  view(): SelfPreservation {
    return viewOf(this.#mode);
  }

  /** `activeNodes`: active nodes now, `silentNodes` among them those silent past the offline threshold. */
  decide(now: number, activeNodes: number, silentNodes: number): OfflineDecision {
    const { ratio, maxMs, offlineRate } = this.settings;
    const mode = this.#mode;
    const figures = { activeNodes, silentNodes, ratio };
    if (mode.kind === 'preserving') {
      if (!tooMany(silentNodes, activeNodes, ratio)) {
        return {
          allowed: 0,
          next: { kind: 'normal' },
          change: { change: 'exited', exitReason: 'recovered', ...figures, state: viewOf({ kind: 'normal' }) },
        };
      }
      if (now < mode.until) return { allowed: 0, next: mode, change: null };
      const next: Mode = { kind: 'draining' };
      return {
        allowed: Math.min(silentNodes, offlineRate),
        next,
        change: { change: 'exited', exitReason: 'expired', ...figures, state: viewOf(next) },
      };
    }
    if (mode.kind === 'draining') {
      return {
        allowed: Math.min(silentNodes, offlineRate),
        next: silentNodes <= offlineRate ? { kind: 'normal' } : mode,
        change: null,
      };
    }
    const recentlyOffline = this.#recentCount(now);
    const wouldGo = recentlyOffline + silentNodes;
    const base = activeNodes + recentlyOffline;
    if (silentNodes > 0 && tooMany(wouldGo, base, ratio)) {
      const next: Mode = { kind: 'preserving', since: now, until: now + maxMs, activeNodes: base, silentNodes: wouldGo };
      return {
        allowed: 0,
        next,
        change: { change: 'entered', exitReason: null, activeNodes: base, silentNodes: wouldGo, ratio, state: viewOf(next) },
      };
    }
    return { allowed: silentNodes, next: mode, change: null };
  }

  /** After the pass committed: `wentOffline` nodes were marked offline at `now`. */
  settle(decision: OfflineDecision, now: number, wentOffline: number): void {
    const before = this.#mode;
    this.#mode = decision.next;
    if (before.kind !== decision.next.kind) {
      // Marks made before a change of state were judged under it: they say nothing about the next window.
      this.#recent = [];
      if (decision.change?.exitReason === 'recovered') this.#listeningSince = now;
    }
    if (this.#mode.kind === 'normal' && before.kind === 'normal' && wentOffline > 0)
      this.#recent.push({ at: now, count: wentOffline });
    if (before !== this.#mode) for (const listener of this.#listeners) listener();
  }

  #recentCount(now: number): number {
    const windowStart = now - this.settings.offlineAfterMs;
    this.#recent = this.#recent.filter((mark) => mark.at > windowStart);
    return this.#recent.reduce((sum, mark) => sum + mark.count, 0);
  }
}

/** More than `ratio` of `base` would go offline, and enough of them to mean something. */
function tooMany(wouldGo: number, base: number, ratio: number): boolean {
  return wouldGo >= MIN_SILENT_NODES && wouldGo > ratio * base;
}

function viewOf(mode: Mode): SelfPreservation {
  if (mode.kind === 'preserving') {
    return {
      active: true,
      since: mode.since,
      until: mode.until,
      activeNodes: mode.activeNodes,
      silentNodes: mode.silentNodes,
      draining: false,
    };
  }
  return { active: false, since: null, until: null, activeNodes: null, silentNodes: null, draining: mode.kind === 'draining' };
}
