import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

// Real TCP listeners on 127.0.0.1, on ports the system picks, for the probe tests: one that accepts,
// one that is closed, and one whose connections are never established.

export interface TestListener {
  port: number;
  /** Connections accepted so far, and how many of them the other side has closed. */
  readonly accepted: number;
  readonly closedByPeer: number;
  close(): Promise<void>;
}

/** Accepts every connection and never writes a byte: for a TCP probe, a service that is up. */
export async function acceptingListener(): Promise<TestListener> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let closedByPeer = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('end', () => {
      closedByPeer += 1;
      socket.destroy();
    });
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    get accepted() {
      return accepted;
    },
    get closedByPeer() {
      return closedByPeer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that was just listened on and closed again: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server, backlog?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, ...(backlog === undefined ? {} : { backlog }) }, () =>
      resolve((server.address() as AddressInfo).port),
    );
  });
}

const HANGING_LISTENER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:net');
const server = createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // The thread blocks here, so nothing accepts: once the kernel's accept queue is full, new
  // connections get no answer to their SYN and hang until the prober gives up.
  setImmediate(() => {
    Atomics.wait(workerData, 0, 0);
    server.close();
  });
});
`;

/**
 * A listener whose accept queue is full and never drained (its thread is blocked): a connection to
 * it is neither refused nor established, like a host that drops packets. `fill` is how many
 * connections fill the queue (backlog 1: two on Linux); each is awaited until established.
 */
export async function hangingListener(fill = 2): Promise<{ port: number; close(): Promise<void> }> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(HANGING_LISTENER, { eval: true, workerData: release });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const fillers: Socket[] = [];
  for (let i = 0; i < fill; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  }
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
      await worker.terminate();
    },
  };
}
