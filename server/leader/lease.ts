import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { eq, sql } from 'drizzle-orm';
import type { MeshDatabase, Tx } from '../../db/database.js';
import { meshLeader } from '../../db/schema.js';
import type { Clock } from '../clock.js';
import type { LeaderStatus } from '../../shared/responses.js';
import type { Logger } from '../log.js';

/** The lease row's key: there is one lease, for the whole database. */
const LEASE_ROW = 1;

/**
 * A leader-only write found, inside its own transaction, that this process no longer holds the
 * lease at the epoch it took it with: another process took over while this one was paused (or its
 * renewals failed). The write was rolled back; nothing of it was committed.
 */
export class FencedWriteError extends Error {
  override name = 'FencedWriteError';
}

/** Host, pid and a random part: two processes never share an id, even with a pid reused after a restart. */
export function newProcessId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

interface LeaseRow {
  holder: string;
  epoch: number;
  expiresAt: number;
}

export interface LeaderLeaseOptions {
  /** MESH_LEADER_LEASE_MS. */
  leaseMs: number;
  /** The clock lease expiries are written and compared in: the same on every process sharing the database. */
  clock: Clock;
  processId?: string;
  /** A clock that never jumps, for this process's own deadline; performance.now unless a test steers it. */
  monotonic?: () => number;
}

/**
 * The leader lease: of the mesh processes sharing one database, the one holding the lease row runs
 * the work that must happen once (the sweeper, service probes). The lease is taken and renewed with
 * one conditional upsert, so two processes can never both succeed: SQLite runs one write at a time,
 * and the second finds the first's fresh expiry. A change of holder increments the epoch.
 *
 * Two guards keep a former leader from acting: this process stops believing it leads once its own
 * deadline (measured on a monotonic clock from before its last successful renewal was sent) has
 * passed, and every leader-only write calls fence() inside its transaction, which refuses the write
 * unless the row still names this process at the epoch it took. The second covers a pause between
 * the first check and the commit (a GC pause, SIGSTOP, a stalled disk).
 */
export class LeaderLease {
  readonly processId: string;
  readonly leaseMs: number;
  readonly #clock: Clock;
  readonly #monotonic: () => number;
  /** The epoch this process holds the lease at; 0 when it does not. */
  #epoch = 0;
  /** Until when, on the monotonic clock, this process may act as leader without renewing. */
  #heldUntil = Number.NEGATIVE_INFINITY;
  /** The row as last seen, for /health and the metrics. */
  #seen: LeaseRow | null = null;
  #fencedWrites = 0;

  constructor(
    private readonly database: MeshDatabase,
    options: LeaderLeaseOptions,
  ) {
    this.processId = options.processId ?? newProcessId();
    this.leaseMs = options.leaseMs;
    this.#clock = options.clock;
    this.#monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Whether this process may start leader-only work now (each write is still fenced). */
  get isLeader(): boolean {
    return this.#epoch > 0 && this.#monotonic() < this.#heldUntil;
  }

  /** Leader-only writes refused by fence() since start. */
  get fencedWrites(): number {
    return this.#fencedWrites;
  }

  status(): LeaderStatus {
    const leading = this.isLeader;
    const seen = this.#seen;
    const live = seen !== null && seen.expiresAt >= this.#clock.now();
    return {
      role: leading ? 'leader' : 'follower',
      processId: this.processId,
      leaderId: leading ? this.processId : live ? seen.holder : null,
      epoch: seen?.epoch ?? 0,
      leaseExpiresAt: live ? seen.expiresAt : null,
    };
  }

  /**
   * One attempt to take the lease (free, released or expired) or renew it (held by this process);
   * true when this process holds it afterwards. A renewal keeps the epoch, a takeover increments it.
   */
  async tryAcquire(): Promise<boolean> {
    // The deadline counts from before the write was queued: the row's expiry is written later, so
    // this process always gives up before any other may take over.
    const sentAt = this.#monotonic();
    const row = await this.database.write(async (tx) => {
      const now = this.#clock.now();
      const expiresAt = now + this.leaseMs;
      const taken = await tx.all<{ epoch: number }>(sql`
        insert into mesh_leader (id, holder, epoch, expires_at) values (${LEASE_ROW}, ${this.processId}, 1, ${expiresAt})
        on conflict (id) do update set
          holder = excluded.holder,
          epoch = case when mesh_leader.holder = excluded.holder then mesh_leader.epoch else mesh_leader.epoch + 1 end,
          expires_at = excluded.expires_at
        where mesh_leader.expires_at < ${now} or mesh_leader.holder = excluded.holder
        returning epoch`);
      const held = taken[0];
      if (held) return { holder: this.processId, epoch: Number(held.epoch), expiresAt };
      return readRow(tx);
    });
    this.#seen = row;
    if (row?.holder === this.processId) {
      this.#epoch = row.epoch;
      this.#heldUntil = sentAt + this.leaseMs;
      return true;
    }
    this.#epoch = 0;
    return false;
  }

  /** Reads the row (cheap, beside any write) and tries to take the lease only when it is free or expired. */
  async tryTakeOver(): Promise<boolean> {
    const row = await this.database.read((db) => readRow(db));
    this.#seen = row;
    if (row !== null && row.holder !== this.processId && row.expiresAt >= this.#clock.now()) return false;
    return this.tryAcquire();
  }

  /**
   * Inside a leader-only write's transaction: throws FencedWriteError (rolling the write back) unless
   * the lease still names this process at the epoch it took it with.
   */
  async fence(tx: Tx): Promise<void> {
    const epoch = this.#epoch;
    const row = await readRow(tx);
    if (epoch > 0 && row?.holder === this.processId && row.epoch === epoch) return;
    throw new FencedWriteError(
      epoch === 0
        ? 'this process does not hold the leader lease'
        : `the leader lease moved to ${row?.holder ?? 'nobody'} at epoch ${row?.epoch ?? 0} (this process held epoch ${epoch})`,
    );
  }

  /** A leader-only write's transaction body, fenced first: it runs only while this process still leads. */
  fenced<Rest extends unknown[], T>(work: (tx: Tx, ...rest: Rest) => Promise<T>): (tx: Tx, ...rest: Rest) => Promise<T> {
    return async (tx, ...rest) => {
      await this.fence(tx);
      return work(tx, ...rest);
    };
  }

  /**
   * Runs leader-only work whose writes are fenced(): null when fence() refused one, which is counted
   * and logged as `what` not written (a former leader learning it lost the lease, not a failure).
   */
  async unlessFenced<T>(what: string, logger: Logger, work: () => Promise<T>): Promise<T | null> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof FencedWriteError)) throw error;
      this.#fencedWrites += 1;
      this.#epoch = 0;
      logger.warn(`${what} not written: ${error.message}`, { processId: this.processId, fencedWrites: this.#fencedWrites });
      return null;
    }
  }

  /** Gives the lease up at once (a graceful stop), so that another process takes over without waiting for it to expire. */
  async release(): Promise<void> {
    const epoch = this.#epoch;
    this.#epoch = 0;
    if (epoch === 0) return;
    await this.database.write((tx) =>
      tx
        .update(meshLeader)
        .set({ expiresAt: 0 })
        .where(
          sql`${meshLeader.id} = ${LEASE_ROW} and ${meshLeader.holder} = ${this.processId} and ${meshLeader.epoch} = ${epoch}`,
        ),
    );
  }

  /**
   * Keeps the lease: the leader renews it every third of MESH_LEADER_LEASE_MS; a follower looks at
   * the row every `followerPollMs` (at most a third of the lease) and takes over as soon as it is
   * released or expired. Changes of role are logged. stop() releases the lease if held.
   */
  start(logger: Logger, followerPollMs: number): { stop(): Promise<void> } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    let wasLeader = this.isLeader;
    let lastLeader = this.status().leaderId;
    const renewEveryMs = Math.max(1, Math.floor(this.leaseMs / 3));
    // A database that stays down fails every tick: said once, and once more when it works again.
    let failing = false;
    const tick = async () => {
      try {
        if (this.#epoch > 0) await this.tryAcquire();
        else await this.tryTakeOver();
        if (failing) logger.info('the leader lease is read and renewed again', { processId: this.processId });
        failing = false;
      } catch (error) {
        if (!failing) logger.error('the leader lease could not be read or renewed', error, { processId: this.processId });
        failing = true;
      }
      const status = this.status();
      if (status.role === 'leader' && !wasLeader) logger.info(`leading, epoch ${status.epoch}`, { ...status });
      else if (status.role === 'follower' && wasLeader) logger.warn(`no longer leading, epoch ${status.epoch}`, { ...status });
      else if (status.role === 'follower' && status.leaderId !== null && status.leaderId !== lastLeader)
        logger.info(`following ${status.leaderId}, epoch ${status.epoch}`, { ...status });
      wasLeader = status.role === 'leader';
      lastLeader = status.leaderId;
    };
    const schedule = () => {
      if (stopped) return;
      const delay = this.#epoch > 0 ? renewEveryMs : Math.min(renewEveryMs, followerPollMs);
      timer = setTimeout(() => {
        running = tick().finally(schedule);
      }, delay);
      timer.unref();
    };
    if (wasLeader) logger.info(`leading, epoch ${this.status().epoch}`, { ...this.status() });
    else if (lastLeader !== null) logger.info(`following ${lastLeader}, epoch ${this.status().epoch}`, { ...this.status() });
    schedule();
    return {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
        await this.release().catch((error: unknown) => logger.error('releasing the leader lease failed', error));
      },
    };
  }
}

async function readRow(db: Pick<Tx, 'select'>): Promise<LeaseRow | null> {
  const [row] = await db
    .select({ holder: meshLeader.holder, epoch: meshLeader.epoch, expiresAt: meshLeader.expiresAt })
    .from(meshLeader)
    .where(eq(meshLeader.id, LEASE_ROW));
  return row ?? null;
}
