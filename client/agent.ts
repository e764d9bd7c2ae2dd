import { consoleLogger, type Logger } from './log.js';
import type { NodeStatus } from '../shared/fields.js';
import type { Info, NodeView } from '../shared/responses.js';
import type { MeshClient } from './client.js';
import { isMeshError } from './errors.js';
import type { SigningKey } from './key-ring.js';
import type { PeerChange, PeerInformer } from './peers.js';
import type { Registration } from './signed-requests.js';

/** Calls `task` once after `delayMs`; the returned function cancels it. Tests pass one they drive by hand. */
export type Schedule = (task: () => void, delayMs: number) => () => void;

const timerSchedule: Schedule = (task, delayMs) => {
  const timer = setTimeout(task, delayMs);
  return () => clearTimeout(timer);
};

/** Until mesh has told its own interval, errors back off at most this long. */
const DEFAULT_INTERVAL_MS = 120_000;

export interface AgentOptions {
  client: MeshClient;
  /** The node's own key: it registers the node and signs every heartbeat. */
  key: SigningKey;
  registration: Registration;
  /** State changes and errors; each line once, not every beat. Default: stdout and stderr. */
  logger?: Logger;
  /** Between heartbeats. Default: mesh's `info.heartbeatIntervalMs` (2 minutes). */
  intervalMs?: number;
  /** Each wait is stretched or shrunk by up to this fraction, so validators restarted together do not beat in step. Default 0.1. */
  jitter?: number;
  /** The first wait after a failure; it doubles with each failure, up to the interval. Default 5 s. */
  retryDelayMs?: number;
  /**
   * Keep the active peers in an informer (client.peers()), saved here as the last-known-good list
   * (see peer-cache.ts) and read from here while mesh is down: no full list after each heartbeat.
   */
  peerCachePath?: string;
  /** Told of each change to the peers the agent keeps (with peerCachePath). */
  onPeersChange?: (change: PeerChange) => void;
  schedule?: Schedule;
  random?: () => number;
  now?: () => number;
}

export interface Agent {
  /** The node's status as mesh last told it; undefined until mesh has answered. */
  readonly status: NodeStatus | undefined;
  /** The active peers, always current (with peerCachePath; undefined without). */
  readonly peers: ReadonlyMap<string, NodeView> | undefined;
  /** Stops beating. Resolves once a round in progress has finished, so nothing is cut off mid-request. */
  stop(): Promise<void>;
}

/**
 * Keeps a validator registered and alive in mesh: registers (or updates its registration), then
 * heartbeats every interval with jitter. On any failure it backs off and keeps going; when mesh
 * says the node is gone (a sovereign removed it) it registers again.
 */
export function startAgent(options: AgentOptions): Agent {
  const agent = new HeartbeatAgent(options);
  agent.start();
  return agent;
}

class HeartbeatAgent implements Agent {
  readonly #options: AgentOptions;
  readonly #log: Logger;
  readonly #schedule: Schedule;
  readonly #now: () => number;
  #info: Info | undefined;
  #registered = false;
  #status: NodeStatus | undefined;
  #lastBeatAt: number | undefined;
  #failures = 0;
  #lastFailure: string | undefined;
  #round: Promise<void> = Promise.resolve();
  #cancel: (() => void) | undefined;
  #stopped = false;
  #informer: PeerInformer | undefined;
  #lastPeerFailure: string | undefined;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#log = options.logger ?? consoleLogger;
    this.#schedule = options.schedule ?? timerSchedule;
    this.#now = options.now ?? Date.now;
  }

  get status(): NodeStatus | undefined {
    return this.#status;
  }

  get peers(): ReadonlyMap<string, NodeView> | undefined {
    return this.#informer?.peers;
  }

  start(): void {
    const { client, peerCachePath, onPeersChange } = this.#options;
    if (peerCachePath) {
      this.#informer = client.peers({
        cachePath: peerCachePath,
        onChange: onPeersChange,
        // Each distinct failure once, as for heartbeats: a mesh that stays down would otherwise fill the log.
        onError: (error) => {
          if (error.message !== this.#lastPeerFailure) this.#log.error(`${this.#nodeId}: peers: ${error.message}`);
          this.#lastPeerFailure = error.message;
        },
      });
    }
    this.#wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    await Promise.all([this.#round, this.#informer?.close()]);
  }

  readonly #wake = (): void => {
    this.#round = this.#beat().then((delayMs) => {
      if (!this.#stopped) this.#cancel = this.#schedule(this.#wake, delayMs);
    });
  };

  get #nodeId(): string {
    return this.#options.registration.nodeId;
  }

  /** One round: register if need be, one heartbeat; resolves to the wait before the next round. */
  async #beat(): Promise<number> {
    const { client, key, registration } = this.#options;
    try {
      this.#info ??= await client.info();
      if (!this.#registered) {
        // Registering again with the same key only updates the address and services: the status stays.
        const result = await client.register(key, registration);
        this.#registered = true;
        this.#log.info(`${this.#nodeId}: ${result.message}`);
        this.#setStatus(result.status);
      } else if (this.#lastBeatAt !== undefined && this.#now() - this.#lastBeatAt > this.#info.offlineAfterMs) {
        // Silent for longer than mesh waits: it has likely marked the node offline. Ask, so the log tells.
        this.#setStatus((await client.trpc.node.get.query({ nodeId: this.#nodeId })).status);
      }
      const beat = await client.heartbeat(key, this.#nodeId, registration.tailscaleIP);
      this.#lastBeatAt = this.#now();
      this.#setStatus(beat.status);
      if (this.#failures > 0)
        this.#log.info(`${this.#nodeId}: heartbeats go through again after ${this.#failures} failed attempt(s)`);
      this.#failures = 0;
      this.#lastFailure = undefined;
      return this.#jittered(this.#intervalMs());
    } catch (error) {
      if (this.#registered && isMeshError(error, 'NODE_NOT_FOUND')) {
        // A sovereign removed the node: an event mesh allows, not a failure. Register again at once.
        this.#registered = false;
        this.#log.info(`${this.#nodeId}: mesh no longer knows this node (removed by a sovereign?): registering again`);
        return 0;
      }
      this.#failures += 1;
      const delayMs = this.#jittered(
        Math.min(this.#intervalMs(), (this.#options.retryDelayMs ?? 5000) * 2 ** (this.#failures - 1)),
      );
      // Each distinct failure once: a mesh that stays down would otherwise fill the log.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.#lastFailure) this.#log.error(`${this.#nodeId}: ${message}; retrying with backoff`);
      this.#lastFailure = message;
      return delayMs;
    }
  }

  #setStatus(status: NodeStatus): void {
    if (this.#status !== undefined && this.#status !== status) this.#log.info(`${this.#nodeId}: ${this.#status} → ${status}`);
    this.#status = status;
  }

  #intervalMs(): number {
    return this.#options.intervalMs ?? this.#info?.heartbeatIntervalMs ?? DEFAULT_INTERVAL_MS;
  }

  #jittered(ms: number): number {
    const jitter = this.#options.jitter ?? 0.1;
    return Math.round(ms * (1 + jitter * (2 * (this.#options.random ?? Math.random)() - 1)));
  }
}
