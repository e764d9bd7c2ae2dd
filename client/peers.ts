import type { MeshEvent } from '../shared/events.js';
import type { NodeStatus } from '../shared/fields.js';
import { selectsNode, type NodeSelection } from '../shared/node-filter.js';
import type { NodeView } from '../shared/responses.js';
import type { TrpcHolder } from './trpc-holder.js';
import { isMeshError } from './errors.js';
import { loadPeers, savePeers } from './peer-cache.js';
import { sleep } from './sleep.js';
import { defaultWatchRetryDelay, watchMesh } from './watch.js';

/** Which peers the informer keeps: the filters of GET /nodes, applied to every change as it comes. */
export interface PeerFilter {
  /** Default `active`: the peers a validator talks to. */
  status?: NodeStatus;
  service?: string;
  region?: string;
}

export type PeerChange =
  | { type: 'added'; node: NodeView }
  | { type: 'updated'; node: NodeView; previous: NodeView }
  /** `node`: as it is now (a status the filter does not select), or as it was last when mesh removed it. */
  | { type: 'removed'; node: NodeView };

export interface PeersOptions extends PeerFilter {
  /** The last-known-good peer list (see peer-cache.ts): saved as the map changes, read when mesh is down at start. */
  cachePath?: string;
  /** Nodes a page of the initial list. Default 1000. */
  pageSize?: number;
  /** Told of every change to the map, in order: the initial list as additions, then each change once. */
  onChange?: (change: PeerChange) => void;
  /** Told of failures it recovers from by itself (mesh unreachable, a peer cache it cannot write), for logging. */
  onError?: (error: Error) => void;
  /** The wait before trying again after the n-th failure in a row. Default 250 ms doubling to 10 s, with jitter. */
  retryDelayMs?: (failures: number) => number;
}

/**
 * Where the map comes from: `mesh` while its event stream is open; `cache` while mesh cannot be
 * reached (the map is the last-known-good one: as last heard, or the saved file at start); `none`
 * before anything was known.
 */
export type PeerSource = 'mesh' | 'cache' | 'none';

const isNodeEvent = (event: MeshEvent) => event.nodeId !== null && !event.type.startsWith('sovereign.');
/** mesh refused what was asked (a bad filter): no retry can cure it. */
const isRefusal = (error: unknown): error is Error => isMeshError(error, 'INVALID_INPUT');

/**
 * A local, always-current map of the peers a validator cares about: one paged list, then mesh's
 * event stream from that list's revision. After a mesh restart or a cut it resumes by revision and
 * lists nothing again; only a reset (the revision was pruned) makes it list again, and it tells the
 * differences as changes. When mesh cannot be reached at start it serves the last-known-good peer
 * cache, and keeps trying.
 */
export class PeerInformer {
  readonly #client: TrpcHolder;
  readonly #urls: readonly string[];
  readonly #options: PeersOptions;
  readonly #filter: NodeSelection;
  readonly #stop = new AbortController();
  #peers = new Map<string, NodeView>();
  #source: PeerSource = 'none';
  #revision: number | undefined;
  #lists = 0;
  #markReady: () => void = () => {};
  #failReady: (error: Error) => void = () => {};
  #saving: Promise<void> = Promise.resolve();
  #saveQueued = false;
  readonly #running: Promise<void>;
  /**
   * Resolves once the map holds something to go by: the first list, or the saved cache when mesh is
   * down. Rejects when mesh refuses the filter (INVALID_INPUT): asking again cannot cure that.
   */
  readonly ready: Promise<void>;

  constructor(client: TrpcHolder, urls: readonly string[], options: PeersOptions = {}) {
    this.#client = client;
    this.#urls = urls;
    this.#options = options;
    this.#filter = { status: options.status ?? 'active', service: options.service, region: options.region };
    this.ready = new Promise((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    // A caller that never awaits `ready` must not see an unhandled rejection.
    this.ready.catch(() => undefined);
    this.#running = this.#run();
  }

  /** The peers as known now, by id. */
  get peers(): ReadonlyMap<string, NodeView> {
    return this.#peers;
  }

  get source(): PeerSource {
    return this.#source;
  }

  /** The revision the map reflects: it resumes from here. Undefined until mesh was listed. */
  get revision(): number | undefined {
    return this.#revision;
  }

  /** How many times it listed every peer: once at start, then only after a reset. */
  get lists(): number {
    return this.#lists;
  }

  /** Stops following mesh; resolves once the last peer cache write is done. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#saving;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const retryDelay = this.#options.retryDelayMs ?? defaultWatchRetryDelay;
    let failures = 0;
    while (!signal.aborted) {
      if (this.#revision === undefined) {
        try {
          await this.#list();
          failures = 0;
        } catch (error) {
          if (signal.aborted) return;
          if (isRefusal(error)) return this.#failReady(error);
          this.#report(error);
          failures += 1;
          if (this.#source === 'none') await this.#fallBackToCache();
          else this.#source = 'cache';
          await sleep(retryDelay(failures), signal);
          continue;
        }
      }
      try {
        for await (const message of watchMesh(this.#urls, {
          sinceRevision: this.#revision,
          signal,
          retryDelayMs: retryDelay,
          onRetry: (error) => {
            this.#source = 'cache';
            this.#report(error);
          },
          onConnect: () => (this.#source = 'mesh'),
        })) {
          if (message.kind === 'reset') {
            // The log no longer reaches back to our revision: list again (the stream goes on from the reset's).
            await this.#list();
            continue;
          }
          this.#apply(message.event);
        }
      } catch (error) {
        if (signal.aborted) return;
        if (isRefusal(error)) return this.#failReady(error);
        // A failed re-list after a reset: list again from the top.
        this.#report(error);
        this.#revision = undefined;
        failures += 1;
        await sleep(retryDelay(failures), signal);
      }
    }
  }

  /** Every peer, a page at a time; the differences from the map become changes. */
  async #list(): Promise<void> {
    const { pageSize = 1000 } = this.#options;
    const listed = new Map<string, NodeView>();
    let revision: number | undefined;
    let after: string | undefined;
    do {
      const page = await this.#client.trpc.node.list.query({ ...this.#filter, limit: pageSize, after });
      // Pages come from moving revisions: following the stream from the first page's misses nothing.
      revision ??= page.revision;
      for (const node of page.nodes) listed.set(node.id, node);
      after = page.next ?? undefined;
    } while (after !== undefined && !this.#stop.signal.aborted);
    if (revision === undefined || this.#stop.signal.aborted) return;
    this.#lists += 1;
    const previous = this.#peers;
    this.#peers = listed;
    this.#revision = revision;
    this.#source = 'mesh';
    for (const [id, node] of previous) if (!listed.has(id)) this.#emit({ type: 'removed', node });
    for (const [id, node] of listed) {
      const before = previous.get(id);
      if (!before) this.#emit({ type: 'added', node });
      else if (JSON.stringify(before) !== JSON.stringify(node)) this.#emit({ type: 'updated', node, previous: before });
    }
    this.#save();
    this.#markReady();
  }

  #apply(event: MeshEvent): void {
    // Events up to the list's revision are in the list already.
    if (this.#revision !== undefined && event.revision <= this.#revision) return;
    this.#revision = event.revision;
    if (!isNodeEvent(event) || event.nodeId === null) return;
    const before = this.#peers.get(event.nodeId);
    const node = event.node;
    if (node && selectsNode(node, this.#filter)) {
      this.#peers.set(node.id, node);
      this.#emit(before ? { type: 'updated', node, previous: before } : { type: 'added', node });
    } else if (before) {
      this.#peers.delete(event.nodeId);
      // As it is now when it still exists (e.g. denied), so the caller sees why it left.
      this.#emit({ type: 'removed', node: node ?? before });
    } else return;
    this.#save();
  }

  async #fallBackToCache(): Promise<void> {
    const { cachePath } = this.#options;
    if (!cachePath) return;
    try {
      const cached = await loadPeers(cachePath);
      if (!cached || this.#source !== 'none') return;
      this.#peers = new Map(cached.nodes.filter((node) => selectsNode(node, this.#filter)).map((node) => [node.id, node]));
      this.#source = 'cache';
      for (const node of this.#peers.values()) this.#emit({ type: 'added', node });
      this.#markReady();
    } catch (error) {
      this.#report(error);
    }
  }

  /** Saves the map as the last-known-good list; changes arriving during a save are saved once after it. */
  #save(): void {
    const { cachePath } = this.#options;
    if (!cachePath || this.#saveQueued) return;
    this.#saveQueued = true;
    this.#saving = this.#saving.then(async () => {
      this.#saveQueued = false;
      await savePeers(cachePath, [...this.#peers.values()]).catch((error: unknown) => this.#report(error));
    });
  }

  #emit(change: PeerChange): void {
    this.#options.onChange?.(change);
  }

  #report(error: unknown): void {
    if (isMeshError(error) || error instanceof Error) this.#options.onError?.(error);
    else this.#options.onError?.(new Error(String(error)));
  }
}
