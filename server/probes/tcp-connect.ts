import { connect } from 'node:net';

export interface ConnectResult {
  status: 'up' | 'down';
  /** Milliseconds from the connect call to the connection being established; null when it was not. */
  latencyMs: number | null;
}

/**
 * Opens a TCP connection to `ip`:`port` and closes it at once: the service is up when the
 * connection is established within `timeoutMs`, down when it is refused, fails, or takes longer.
 * Nothing is sent. `ip` must be an address (never a name to resolve): mesh connects only where a
 * node registered. Aborting `signal` gives up at once (the result then says down and means nothing).
 */
export function tcpConnect(ip: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host: ip, port, noDelay: true });
    const finish = (result: ConnectResult) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      socket.removeAllListeners();
      // Errors after the result (a reset while closing) have nobody to tell and must not go unhandled.
      socket.on('error', () => {});
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: 'down', latencyMs: null }), timeoutMs);
    const abort = () => finish({ status: 'down', latencyMs: null });
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => finish({ status: 'up', latencyMs: Math.round((performance.now() - started) * 100) / 100 }));
    socket.once('error', () => finish({ status: 'down', latencyMs: null }));
  });
}
