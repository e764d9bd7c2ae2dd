import { Worker } from 'node:worker_threads';
import { SignatureVerifier } from './verify.js';

export interface Verifier {
  /** True only for a well-formed signature by `publicKeyHex` over `message`. */
  verify(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Verifies on the calling thread: for tests and single-core machines. */
export class InlineVerifier implements Verifier {
  readonly #verifier = new SignatureVerifier();
  verify(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean> {
    return Promise.resolve(this.#verifier.verify(publicKeyHex, message, signatureHex));
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
  worker: Worker;
  inFlight: Map<number, Pending[]>;
}

const WORKER_URL = new URL('./verify-worker.mjs', import.meta.url);

/**
 * Ed25519 verification on worker threads. A signature costs about 95 µs of CPU, more than the rest
 * of a heartbeat; here it runs beside the thread that serves HTTP and commits. Requests arriving in
 * the same turn of the event loop travel to a thread as one message, so the cost of crossing
 * threads is paid per batch, not per signature. A thread that dies fails its batches (the requests
 * get a 500, never a wrong 401) and is replaced.
 */
export class VerifierPool implements Verifier {
  readonly #threads: Thread[] = [];
  #queued: { items: VerifyBatch['items']; pending: Pending[] } = { items: [], pending: [] };
  #flushScheduled = false;
  #nextId = 1;
  #closed = false;

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) this.#threads.push(this.#spawn());
  }

  verify(publicKeyHex: string, message: string, signatureHex: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(new Error('the verifier pool is closed'));
    return new Promise((resolve, reject) => {
      this.#queued.items.push([publicKeyHex, message, signatureHex]);
      this.#queued.pending.push({ resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((thread) => thread.worker.terminate()));
  }

  #flush(): void {
    this.#flushScheduled = false;
    const { items, pending } = this.#queued;
    if (items.length === 0) return;
    this.#queued = { items: [], pending: [] };
    const thread = this.#threads.reduce((least, candidate) => (candidate.inFlight.size < least.inFlight.size ? candidate : least));
    const id = this.#nextId++;
    thread.inFlight.set(id, pending);
    thread.worker.postMessage({ id, items } satisfies VerifyBatch);
  }

  #spawn(): Thread {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const thread: Thread = { worker, inFlight: new Map() };
    worker.on('message', ({ id, results }: VerifyResults) => {
      const pending = thread.inFlight.get(id);
      thread.inFlight.delete(id);
      pending?.forEach((request, index) => request.resolve(results[index] === 1));
    });
    const fail = (error: unknown) => {
      for (const pending of thread.inFlight.values()) for (const request of pending) request.reject(error);
      thread.inFlight.clear();
      if (this.#closed) return;
      const index = this.#threads.indexOf(thread);
      if (index >= 0) this.#threads[index] = this.#spawn();
    };
    worker.on('error', (error) => fail(new Error('a signature verification thread failed', { cause: error })));
    worker.on('exit', (code) => {
      if (!this.#closed) fail(new Error(`a signature verification thread exited with code ${code}`));
    });
    return thread;
  }
}
