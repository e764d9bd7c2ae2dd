/**
 * A queue between one producer that must never wait (the events hub) and one consumer that may be
 * slow (a watcher's connection). Past `capacity` items it stops growing: it drops what it holds and
 * ends the consumer's iteration with `overflowError`, so one slow watcher costs bounded memory.
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | null = null;
  #failWaiting: ((error: Error) => void) | null = null;
  #ended: { error?: Error } | null = null;

  constructor(
    private readonly capacity: number,
    private readonly overflowError: () => Error,
    private readonly onOverflow: (error: Error) => void = () => {},
  ) {}

  /** Adds an item; false once the queue has overflowed or ended. */
  push(item: T): boolean {
    if (this.#ended) return false;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = null;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.#items.length >= this.capacity) {
      const error = this.overflowError();
      this.end(error);
      this.onOverflow(error);
      return false;
    }
    this.#items.push(item);
    return true;
  }

  /** Ends the iteration: cleanly, or with `error` after dropping what is still queued. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = error === undefined ? {} : { error };
    if (error !== undefined) this.#items = [];
    if (this.#waiting) {
      const [resolve, reject] = [this.#waiting, this.#failWaiting];
      this.#waiting = this.#failWaiting = null;
      if (error === undefined) resolve({ value: undefined, done: true });
      else reject?.(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#ended) {
      return this.#ended.error === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(this.#ended.error);
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }
}
