import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pendingMigrations } from '../../db/database.js';
import type { Readiness, ReadinessCheckName } from '../../shared/operations.js';
import type { MeshContext } from '../context.js';

// A database that does not answer a trivial query within this long is as good as unreachable.
const DATABASE_TIMEOUT_MS = 2_000;

type CheckResult = { ok: boolean; message: string };

const pass = (message: string): CheckResult => ({ ok: true, message });
const fail = (message: string): CheckResult => ({ ok: false, message });

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Whether this mesh should get traffic: start-up finished, the database answers, takes writes (the
 * last write transaction did not fail) and is migrated,
 * and the signature verification threads are up. For a database file, also that the file at the
 * configured path is still the one mesh has open: an open SQLite file that was moved, deleted or
 * replaced still answers queries, but what mesh writes to it is lost to everyone else.
 */
export class ReadinessProbe {
  #started = false;
  readonly #fileIdentity: string | null;

  constructor(
    private readonly mesh: Pick<MeshContext, 'database' | 'verifier'>,
    private readonly databaseFile: string | null,
  ) {
    this.#fileIdentity = databaseFile === null ? null : identity(statSync(databaseFile));
  }

  markStarted(): void {
    this.#started = true;
  }

  async check(): Promise<Readiness> {
    const [database, migrations] = await this.#checkDatabase();
    const checks = {
      startup: this.#started ? pass('started') : fail('mesh is still starting'),
      database,
      migrations,
      verifier: this.#checkVerifier(),
    };
    const failing = (Object.keys(checks) as ReadinessCheckName[]).filter((name) => !checks[name].ok);
    return { status: failing.length === 0 ? 'ready' : 'unavailable', failing, checks };
  }

  async #checkDatabase(): Promise<[database: CheckResult, migrations: CheckResult]> {
    if (this.databaseFile !== null) {
      let current: string;
      try {
        current = identity(await stat(this.databaseFile));
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        return [fail(`the database file ${this.databaseFile} cannot be found (${reason})`), fail('unknown: no database')];
      }
      if (current !== this.#fileIdentity) {
        return [
          fail(`the database file ${this.databaseFile} was replaced since mesh opened it: restart mesh to use the new one`),
          fail('unknown: no database'),
        ];
      }
    }
    try {
      const pending = await withTimeout(
        pendingMigrations(this.mesh.database),
        DATABASE_TIMEOUT_MS,
        `no answer within ${DATABASE_TIMEOUT_MS} ms`,
      );
      return [
        await this.#checkWrites(),
        pending === 0 ? pass('up to date') : fail(`${pending} migrations are not applied: restart mesh to apply them`),
      ];
    } catch (error) {
      return [fail(`the database does not answer: ${(error as Error).message}`), fail('unknown: no database')];
    }
  }

  /**
   * Reads may answer while writes fail (another process holds the write lock, the disk is full).
   * After a failure, an empty write transaction tells whether writes work again, so the probe
   * recovers as soon as the database does, not only at the next request that writes.
   */
  async #checkWrites(): Promise<CheckResult> {
    const failure = this.mesh.database.writeFailure();
    if (!failure) return pass('reachable');
    try {
      await withTimeout(
        this.mesh.database.write(() => Promise.resolve()),
        DATABASE_TIMEOUT_MS,
        'no answer',
      );
      return pass('reachable');
    } catch {
      return fail(`writes fail since ${new Date(failure.since).toISOString()}: ${failure.message}`);
    }
  }

  #checkVerifier(): CheckResult {
    const { threads, threadsUp } = this.mesh.verifier.status();
    if (threads === 0) return pass('verifying on the main thread');
    return threadsUp > 0
      ? pass(`${threadsUp} of ${threads} verification threads up`)
      : fail(`none of the ${threads} verification threads is up`);
  }
}
