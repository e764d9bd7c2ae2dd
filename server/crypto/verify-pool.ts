import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { SignatureVerifier } from './verify.js';
import { workerEntry } from '../worker-entry.js';

export interface VerifierStatus {
  /** Verification threads configured (0: every signature is verified on the calling thread). */
  threads: number;
  /** Threads started and running. */
  threadsUp: number;
  /** Signatures waiting for a thread or being verified on one. */
  queued: number;
}

export interface Verifier {
  /** True only for a well-formed signature by `publicKeyHex` over `message`. */
  verify(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean>;
  status(): VerifierStatus;
  close(): Promise<void>;
}

/** Told how verification goes (the metrics): one call per signature inline, one per batch on a thread. */
export interface VerifyObserver {
  verifiedInline(seconds: number): void;
  verifiedOnThread(signatures: number, seconds: number): void;
  verifyThreadRestarted(): void;
}

const unobserved: VerifyObserver = { verifiedInline: () => {}, verifiedOnThread: () => {}, verifyThreadRestarted: () => {} };

function verifyTimed(verifier: SignatureVerifier, observer: VerifyObserver, key: string, message: string, signature: string) {
  const started = performance.now();
  const valid = verifier.verify(key, message, signature);
  observer.verifiedInline((performance.now() - started) / 1000);
  return valid;
}

/** Verifies on the calling thread: for tests and single-core machines. */
export class InlineVerifier implements Verifier {
  readonly #verifier = new SignatureVerifier();
  constructor(private readonly observer: VerifyObserver = unobserved) {}
  verify(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean> {
    return Promise.resolve(verifyTimed(this.#verifier, this.observer, publicKeyHex, message, signatureHex));
  }
  status(): VerifierStatus {
    return { threads: 0, threadsUp: 0, queued: 0 };
  }
  async close(): Promise<void> {}
}

export interface VerifyBatch {
  id: number;
  items: Array<[publicKey: string, message: string, signature: string]>;
}

export interface VerifyResults {
  id: number;
  results: Uint8Array;
}

interface Pending {
  resolve: (valid: boolean) => void;
  reject: (error: unknown) => void;
}

interface Thread {
  worker: Worker | null;
  /** The worker has started running its code. */
  online: boolean;
  /** When each batch in flight was sent. */
  sentAt: Map<number, number>;
  inFlight: Map<number, Pending[]>;
  /** Failures in a row: each doubles the wait before the next start. */
  failures: number;
}

const WORKER_URL = workerEntry('verify-worker', import.meta.url);
const RESPAWN_BASE_MS = 500;
const RESPAWN_MAX_MS = 30_000;

/**
 * Ed25519 verification on worker threads. A signature costs about 95 µs of CPU, more than the rest
 * of a heartbeat; here it runs beside the thread that serves HTTP and commits. Requests arriving in
 * the same turn of the event loop travel to a thread as one message, so the cost of crossing
 * threads is paid per batch, not per signature. A thread that dies fails the batches it held (those
 * requests get a 500, never a wrong 401) and is restarted after a growing pause; while no thread is
 * up, signatures are verified on the calling thread, slower but never refused.
 */
export class VerifierPool implements Verifier {
  readonly #threads: Thread[] = [];
  readonly #inline = new SignatureVerifier();
  #queued: { items: VerifyBatch['items']; pending: Pending[] } = { items: [], pending: [] };
  #flushScheduled = false;
  #nextId = 1;
  #closed = false;
  #inlineThisTurn = false;
  #sentToThreads = 0;

  constructor(
    threads: number,
    private readonly logger: Logger,
    private readonly workerUrl: URL = WORKER_URL,
    private readonly observer: VerifyObserver = unobserved,
  ) {
    for (let i = 0; i < threads; i++) {
      const thread: Thread = { worker: null, online: false, sentAt: new Map(), inFlight: new Map(), failures: 0 };
      this.#threads.push(thread);
      this.#start(thread);
    }
  }

  verify(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(new Error('the verifier pool is closed'));
    if (this.#mayVerifyInline() || !this.#threads.some((thread) => thread.worker)) {
      return Promise.resolve(verifyTimed(this.#inline, this.observer, publicKeyHex, message, signatureHex));
    }
    return new Promise((resolve, reject) => {
      this.#queued.items.push([publicKeyHex, message, signatureHex]);
      this.#queued.pending.push({ resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  status(): VerifierStatus {
    let queued = this.#queued.items.length;
    for (const thread of this.#threads) for (const pending of thread.inFlight.values()) queued += pending.length;
    return {
      threads: this.#threads.length,
      threadsUp: this.#threads.filter((thread) => thread.worker && thread.online).length,
      queued,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((thread) => thread.worker?.terminate() ?? Promise.resolve(0)));
  }

  /**
   * A thread that has to wake costs more than the verification itself (0.25 ms at the median,
   * several at p99, against 0.08 ms here). So a lone request, with nothing queued or in flight,
   * is verified on this thread: one per turn of the event loop, so that a burst, and any real
   * load, still goes to the threads.
   */
  /** How many signatures were handed to the threads (the rest were verified on the calling thread). */
  get threadVerifications(): number {
    return this.#sentToThreads;
  }

  #mayVerifyInline(): boolean {
    if (this.#inlineThisTurn || this.#queued.items.length > 0) return false;
    if (this.#threads.some((thread) => thread.inFlight.size > 0)) return false;
    this.#inlineThisTurn = true;
    setImmediate(() => {
      this.#inlineThisTurn = false;
    });
    return true;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const { items, pending } = this.#queued;
    if (items.length === 0) return;
    this.#queued = { items: [], pending: [] };
    const running = this.#threads.filter((thread) => thread.worker);
    if (running.length === 0) {
      // Every thread went down since these were queued.
      items.forEach(([publicKey, message, signature], index) =>
        pending[index]?.resolve(this.#inline.verify(publicKey, message, signature)),
      );
      return;
    }
    const thread = running.reduce((least, candidate) => (candidate.inFlight.size < least.inFlight.size ? candidate : least));
    const id = this.#nextId++;
    this.#sentToThreads += items.length;
    thread.inFlight.set(id, pending);
    thread.sentAt.set(id, performance.now());
    thread.worker?.postMessage({ id, items } satisfies VerifyBatch);
  }

  #start(thread: Thread): void {
    // The worker loads its own TypeScript loader: flags the parent was started with (such as
    // --import of a .ts file) would run before it and fail, so none are passed on.
    const worker = new Worker(this.workerUrl, { execArgv: [] });
    worker.unref();
    thread.worker = worker;
    worker.once('online', () => {
      thread.online = true;
    });
    worker.on('message', ({ id, results }: VerifyResults) => {
      thread.failures = 0;
      const pending = thread.inFlight.get(id);
      thread.inFlight.delete(id);
      const sentAt = thread.sentAt.get(id);
      thread.sentAt.delete(id);
      if (sentAt !== undefined) this.observer.verifiedOnThread(results.length, (performance.now() - sentAt) / 1000);
      pending?.forEach((request, index) => request.resolve(results[index] === 1));
    });
    let failed = false;
    const fail = (error: Error) => {
      if (failed || this.#closed) return;
      failed = true;
      thread.worker = null;
      thread.online = false;
      thread.sentAt.clear();
      this.observer.verifyThreadRestarted();
      for (const pending of thread.inFlight.values()) for (const request of pending) request.reject(error);
      thread.inFlight.clear();
      thread.failures += 1;
      const delay = Math.min(RESPAWN_BASE_MS * 2 ** (thread.failures - 1), RESPAWN_MAX_MS);
      this.logger.error(`signature verification thread down; restarting it in ${delay} ms`, error);
      setTimeout(() => {
        if (!this.#closed) this.#start(thread);
      }, delay).unref();
    };
    worker.on('error', (error) => fail(new Error('a signature verification thread failed', { cause: error })));
    worker.on('exit', (code) => fail(new Error(`a signature verification thread exited with code ${code}`)));
  }
}
