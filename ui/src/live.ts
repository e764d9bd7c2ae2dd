import type { MeshEvent, WatchMessage } from '../../shared/events.js';
import type { Info, NodeView } from '../../shared/responses.js';
import { api } from './api.js';
import { createStore } from './store.js';

export type Connection = 'connecting' | 'live' | 'disconnected';

export interface LiveState {
  info: Info | null;
  /** Server time minus this browser's time, measured at the info call (half its round trip added). */
  skewMs: number;
  nodes: ReadonlyMap<string, NodeView>;
  /** The newest events-log revision this page has applied. */
  revision: number;
  /** The latest events, oldest first, at most MAX_EVENTS of them. */
  events: readonly MeshEvent[];
  connection: Connection;
  disconnectedSince: number | null;
  problem: string | null;
  /** Events that arrived after a reconnection, until the next one: what the page caught up on. */
  caughtUp: number | null;
}

/** Enough for the feed and the node histories of a session; older ones are read from the log on demand. */
export const MAX_EVENTS = 1000;
const RECENT_EVENTS = 200;

export const live = createStore<LiveState>({
  info: null,
  skewMs: 0,
  nodes: new Map(),
  revision: 0,
  events: [],
  connection: 'connecting',
  disconnectedSince: null,
  problem: null,
  caughtUp: null,
});

/** mesh's clock as this page best knows it: signed requests carry it, so a skewed browser still signs in time. */
export function serverNow(): number {
  return Date.now() + live.get().skewMs;
}

async function loadInfo(): Promise<void> {
  const sent = Date.now();
  const info = await api.info.query();
  const received = Date.now();
  live.set((state) => ({ ...state, info, skewMs: info.serverTime - Math.round((sent + received) / 2) }));
}

/** Every node, denied ones included (discovery leaves them out unless asked), as of one revision. */
async function listAllNodes(): Promise<{ nodes: NodeView[]; revision: number }> {
  for (let attempt = 0; ; attempt += 1) {
    const [visible, denied] = await Promise.all([api.node.list.query({}), api.node.list.query({ status: 'denied' })]);
    // Both lists come in one batched request; a change landing between the two shows as two revisions.
    if (visible.revision === denied.revision || attempt >= 4) {
      return { nodes: [...visible.nodes, ...denied.nodes], revision: Math.min(visible.revision, denied.revision) };
    }
  }
}

/** Lists the nodes and the latest events at one revision: the starting point the stream continues from. */
async function loadSnapshot(): Promise<number> {
  const list = await listAllNodes();
  const page = await api.events.list.query({ sinceRevision: Math.max(0, list.revision - RECENT_EVENTS), limit: RECENT_EVENTS });
  live.set((state) => ({
    ...state,
    nodes: new Map(list.nodes.map((node) => [node.id, node])),
    revision: list.revision,
    events: page.events.filter((event) => event.revision <= list.revision),
  }));
  return list.revision;
}

function apply(event: MeshEvent): void {
  live.set((state) => {
    if (event.revision <= state.revision) return state;
    const nodes = new Map(state.nodes);
    if (event.nodeId !== null) {
      if (event.node) nodes.set(event.nodeId, event.node);
      else nodes.delete(event.nodeId);
    }
    const events = [...state.events, event];
    // The info was read once; the event carries the new state, so the overview need not ask again.
    const info =
      event.selfPreservation && state.info ? { ...state.info, selfPreservation: event.selfPreservation.state } : state.info;
    return {
      ...state,
      info,
      nodes,
      revision: event.revision,
      events: events.length > MAX_EVENTS ? events.slice(-MAX_EVENTS) : events,
      caughtUp: state.caughtUp === null ? null : state.caughtUp + 1,
    };
  });
}

/**
 * Heartbeats are not events (mesh publishes only changes, or every heartbeat would reach every
 * watcher), so the heartbeat times shown are re-read once per heartbeat interval; everything else
 * arrives on the stream.
 */
async function refreshHeartbeatTimes(): Promise<void> {
  const list = await api.node.list.query({});
  live.set((state) => {
    const nodes = new Map(state.nodes);
    for (const fresh of list.nodes) {
      const known = nodes.get(fresh.id);
      if (known && known.public_key === fresh.public_key && (fresh.last_heartbeat ?? 0) > (known.last_heartbeat ?? 0)) {
        nodes.set(fresh.id, { ...known, last_heartbeat: fresh.last_heartbeat, tailscale_ip: fresh.tailscale_ip });
      }
    }
    return { ...state, nodes };
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let started = false;

/** Loads the network once and follows the events stream for the life of the page. */
export function startLive(): void {
  if (started) return;
  started = true;
  void (async () => {
    try {
      await loadInfo();
      const revision = await loadSnapshot();
      follow(revision);
      const interval = live.get().info?.heartbeatIntervalMs ?? 120_000;
      setInterval(() => void refreshHeartbeatTimes().catch(() => undefined), interval);
    } catch (error) {
      live.set((state) => ({ ...state, connection: 'disconnected', disconnectedSince: Date.now(), problem: describe(error) }));
      // Nothing loaded yet: try again from the start, as a reload would.
      started = false;
      setTimeout(startLive, 3000);
    }
  })();
}

function follow(sinceRevision: number): void {
  // After a dropped connection tRPC's link resumes with the id of the last event it received, so
  // the server sends what this page missed, each event once.
  const subscription = api.events.watch.subscribe(
    { sinceRevision },
    {
      onStarted() {
        const wasDown = live.get().connection === 'disconnected';
        live.set((state) => ({
          ...state,
          connection: 'live',
          disconnectedSince: null,
          problem: null,
          caughtUp: wasDown ? 0 : state.caughtUp,
        }));
        if (wasDown) void loadInfo().catch(() => undefined);
      },
      onData(tracked) {
        const message: WatchMessage = tracked.data;
        if (message.kind === 'event') apply(message.event);
        else void resync();
      },
      onConnectionStateChange(state) {
        if (state.state === 'connecting' && state.error) {
          live.set((current) => ({
            ...current,
            connection: 'disconnected',
            disconnectedSince: current.disconnectedSince ?? Date.now(),
            problem: describe(state.error),
          }));
        }
      },
      onError(error) {
        live.set((state) => ({ ...state, connection: 'disconnected', disconnectedSince: Date.now(), problem: describe(error) }));
        subscription.unsubscribe();
        setTimeout(() => follow(live.get().revision), 3000);
      },
    },
  );

  /** The log no longer holds the revision this page had: list everything again and watch from there. */
  async function resync(): Promise<void> {
    subscription.unsubscribe();
    const revision = await loadSnapshot();
    follow(revision);
  }
}
