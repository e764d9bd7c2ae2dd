import type { ServerResponse } from 'node:http';

function isEventStream(res: ServerResponse): boolean {
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

/**
 * The responses under way, for a stop that finishes what it started. Once the stop begins, every
 * answer not yet sent says `Connection: close`, so a keep-alive client opens its next request on a
 * new connection (refused: the server no longer listens) instead of sending it on one about to be
 * cut; event streams, which never end by themselves, are cut at once (their clients resume). A
 * stream begun after that (its request was on the wire as the stop began) ends with the grace period.
 */
export class InFlightResponses {
  readonly #responses = new Set<ServerResponse>();
  readonly #settledWaiters: Array<() => void> = [];
  #stopping = false;

  get size(): number {
    return this.#responses.size;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  track(res: ServerResponse): void {
    if (this.#stopping) res.setHeader('connection', 'close');
    this.#responses.add(res);
    res.once('close', () => {
      this.#responses.delete(res);
      if (this.#responses.size === 0) for (const settled of this.#settledWaiters.splice(0)) settled();
    });
  }

  /** Marks every answer to come with `Connection: close` and cuts the event streams. */
  beginStop(): void {
    this.#stopping = true;
    for (const res of this.#responses) {
      if (isEventStream(res)) res.destroy();
      else if (!res.headersSent) res.setHeader('connection', 'close');
    }
  }

  /** Resolves once no response is under way. */
  settled(): Promise<void> {
    if (this.#responses.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }
}
