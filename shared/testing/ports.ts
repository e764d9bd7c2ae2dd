import { createServer, connect, type Server, type Socket } from 'node:net';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('the server has no port'));
    });
  });
}

/**
 * A loopback URL where connections are refused, and stay refused: its port is the local end of a
 * connection this process keeps open, so nothing can listen on it (a port merely closed again
 * could be taken by the next process that asks for a free one). Kept until the process exits.
 */
export async function refusingUrl(): Promise<string> {
  const holder = createServer((socket) => socket.unref());
  const port = await listen(holder);
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.unref();
  holder.unref();
  return `http://127.0.0.1:${socket.localPort}`;
}

/**
 * A TCP relay on a port of its own, forwarding each connection to whatever `target` is at that
 * moment: a client keeps one URL while the server behind it stops and starts again on a new port.
 * While `target` is null, connections are refused (closed at once), as if nothing listened.
 */
export async function startRelay(): Promise<{ url: string; target: number | null; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const relay = {
    url: '',
    target: null as number | null,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((incoming) => {
    open.add(incoming);
    incoming.once('close', () => open.delete(incoming));
    if (relay.target === null) {
      incoming.destroy();
      return;
    }
    const outgoing = connect(relay.target, '127.0.0.1');
    open.add(outgoing);
    outgoing.once('close', () => open.delete(outgoing));
    incoming.pipe(outgoing).pipe(incoming);
    incoming.once('error', () => outgoing.destroy());
    outgoing.once('error', () => incoming.destroy());
    incoming.once('close', () => outgoing.destroy());
    outgoing.once('close', () => incoming.destroy());
  });
  relay.url = `http://127.0.0.1:${await listen(server)}`;
  return relay;
}
