import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TRPCError } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { createContext, type MeshContext } from '../context.js';
import { appRouter } from '../routers/_app.js';
import { MAX_BATCH_CALLS, WS_MAX_SUBSCRIPTIONS } from '../../shared/limits.js';
import { MAX_BODY_BYTES } from './body.js';
import { errorBody } from './json.js';
import { originAllowed } from './origin.js';

// A WebSocket close code meaning "try again later": the client reconnects and resumes.
const WS_TRY_AGAIN_LATER = 1013;
/** Bytes one connection may have waiting to be sent before it is closed: what a client that stops reading may cost. */
export const WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
// A connection closed for falling behind has this long to take its close frame before it is dropped:
// one that is not reading never will, and its buffered answers are what the bound is about.
const CLOSE_GRACE_MS = 1_000;

function byteSize(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/**
 * A server-side WebSocket that will not buffer without bound. tRPC's adapter sends each answer and
 * each subscription message without looking at what the client has read, so a client that stops
 * reading would grow the server's memory with every change. Past WS_MAX_BUFFERED_BYTES waiting to
 * be sent, the connection is closed with "try again later" (as a lagging SSE watcher is cut), and
 * dropped if the client does not take the close frame in time; tRPC's links reconnect and resume.
 *
 * One answer larger than the bound (node.list of a large network) is no backlog: while it drains,
 * what is left of it does not count, so a client that reads is never cut for asking for it. What
 * piles up on top of it does.
 */
class BoundedWebSocket extends WebSocket {
  /** Set by the endpoint: told when the connection is cut for falling behind. */
  onCutOff: (() => void) | undefined;
  /** Bytes handed to send() so far, and where in them the last message larger than the bound ends. */
  #handed = 0;
  #largeEnd = 0;
  #largeSize = 0;

  override send(data: unknown, ...rest: unknown[]): void {
    (super.send as (data: unknown, ...rest: unknown[]) => void).call(this, data, ...rest);
    const size = byteSize(data);
    this.#handed += size;
    if (size > WS_MAX_BUFFERED_BYTES) {
      this.#largeEnd = this.#handed;
      this.#largeSize = size;
    }
    if (this.readyState !== WebSocket.OPEN || this.#backlog() <= WS_MAX_BUFFERED_BYTES) return;
    this.onCutOff?.();
    this.close(WS_TRY_AGAIN_LATER, `more than ${WS_MAX_BUFFERED_BYTES} bytes unread: reconnect and resume`.slice(0, 120));
    setTimeout(() => this.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Bytes waiting to be sent, less what is left of the last large answer. */
  #backlog(): number {
    const waiting = this.bufferedAmount;
    const taken = this.#handed - waiting;
    const largeLeft = Math.min(this.#largeSize, Math.max(0, this.#largeEnd - taken));
    return waiting - largeLeft;
  }
}

/** Counts the subscriptions of one connection against WS_MAX_SUBSCRIPTIONS. */
function subscriptionSlots(limit: number) {
  let used = 0;
  return {
    take(): (() => void) | null {
      if (used >= limit) return null;
      used += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        used -= 1;
      };
    },
  };
}

function refuseUpgrade(socket: Duplex, status: string, body = ''): void {
  const type = body === '' ? '' : 'content-type: application/json\r\n';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n${type}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const FORBIDDEN_ORIGIN_BODY = JSON.stringify(
  errorBody('ORIGIN_NOT_ALLOWED', "a browser page of another origin may not open mesh's WebSocket (see MESH_ALLOWED_ORIGINS)"),
);

/**
 * tRPC over WebSocket on mesh's port: upgrades of /trpc from programs and from mesh's own (or an
 * allowed) browser origin, at most MAX_BATCH_CALLS calls a message, WS_MAX_SUBSCRIPTIONS
 * subscriptions and WS_MAX_BUFFERED_BYTES unread bytes a connection.
 */
export function createWebSocketEndpoint(
  mesh: MeshContext,
  onError: (opts: { error: TRPCError; path?: string | undefined }) => void,
) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES, WebSocket: BoundedWebSocket });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    maxBatchSize: MAX_BATCH_CALLS,
    createContext: ({ req, res: socket }) => {
      (socket as BoundedWebSocket).onCutOff = () => mesh.metrics.refused('SLOW_CONSUMER');
      return createContext(mesh, {
        transport: 'trpc-ws',
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
        closeConnection: (reason) => socket.close(WS_TRY_AGAIN_LATER, reason.slice(0, 120)),
        subscriptionSlots: subscriptionSlots(WS_MAX_SUBSCRIPTIONS),
      });
    },
    onError,
    keepAlive: { enabled: true, pingMs: 15_000, pongWaitMs: 10_000 },
  });

  return {
    /** Takes an upgrade of a tRPC path, or refuses it. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      if (!originAllowed(req, mesh.config.allowedOrigins)) {
        mesh.metrics.refused('ORIGIN_NOT_ALLOWED');
        refuseUpgrade(socket, '403 Forbidden', FORBIDDEN_ORIGIN_BODY);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    /** Tells WebSocket clients to reconnect elsewhere and closes their sockets: part of a graceful stop. */
    close(): void {
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(1001, 'mesh is shutting down');
      wss.close();
    },
    refuseUpgrade,
  };
}
