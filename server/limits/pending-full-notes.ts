/** How long a process trusts that mesh is marked full before it looks again. */
export const PENDING_FULL_RECHECK_MS = 60_000;

/**
 * Keeps a flood of PENDING_FULL refusals from becoming a flood of write transactions: once this
 * process has seen mesh marked full, further refusals skip the check for a minute. A place freed
 * in this process clears it at once; one freed by another process is noticed within the minute.
 */
export class PendingFullNotes {
  #markedFullAt: number | null = null;

  shouldCheck(now: number): boolean {
    return this.#markedFullAt === null || now - this.#markedFullAt >= PENDING_FULL_RECHECK_MS;
  }

  markedFull(now: number): void {
    this.#markedFullAt = now;
  }

  freed(): void {
    this.#markedFullAt = null;
  }
}
