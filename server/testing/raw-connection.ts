import { connect, type Socket } from 'node:net';

/** A keep-alive HTTP/1.1 connection driven by hand, to hold a request half-sent. */
export class RawConnection {
  readonly socket: Socket;
  #received = '';
  #waiters: Array<() => void> = [];
  ended = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => this.#wake(() => (this.#received += chunk)));
    this.socket.on('close', () => this.#wake(() => (this.ended = true)));
    this.socket.on('error', () => undefined);
  }

  #wake(change: () => void): void {
    change();
    for (const wake of this.#waiters.splice(0)) wake();
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits for an interim answer (`100 Continue`) and takes it off the input. */
  async interim(status: number): Promise<void> {
    const line = `HTTP/1.1 ${status} `;
    for (;;) {
      const end = this.#received.indexOf('\r\n\r\n');
      if (end >= 0 && this.#received.startsWith(line)) {
        this.#received = this.#received.slice(end + 4);
        return;
      }
      if (this.ended) throw new Error(`the connection closed before ${status} (received: ${JSON.stringify(this.#received)})`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The next complete response: status line and headers (lower-cased names), and its body. */
  async response(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    for (;;) {
      const end = this.#received.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine = '', ...lines] = this.#received.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        );
        const length = Number(headers['content-length'] ?? 0);
        if (this.#received.length >= end + 4 + length) {
          const body = this.#received.slice(end + 4, end + 4 + length);
          this.#received = this.#received.slice(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      if (this.ended)
        throw new Error(`the connection closed without a complete answer (received: ${JSON.stringify(this.#received)})`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async closed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}

const BODY = JSON.stringify({ nodeId: 'validator-002', timestamp: 1, signature: 'ab' });

/**
 * Starts a POST /heartbeat and leaves it in flight, its body unsent: once mesh has answered
 * `100 Continue` it has the request (even from another process, the test knows it). `finish` sends the body.
 */
export async function heartbeatInFlight(connection: RawConnection): Promise<{ finish: () => void }> {
  connection.send(
    `POST /heartbeat HTTP/1.1\r\nhost: mesh\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\nexpect: 100-continue\r\n\r\n`,
  );
  await connection.interim(100);
  return { finish: () => connection.send(BODY) };
}
