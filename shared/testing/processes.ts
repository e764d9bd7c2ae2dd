import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Processes of this repository started as `npm start` starts the server: node running TypeScript
 * through tsx. Used by the end-to-end tests and by the benchmark.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The environment without the caller's own MESH_* settings, so a developer's shell cannot steer a child. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('MESH_')) env[name] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** node flags that run a .ts file through tsx, then `extra`. */
export function tsNodeArgs(extra: readonly string[] = []): string[] {
  return ['--import', 'tsx', ...extra];
}

function exited(child: ChildProcessWithoutNullStreams): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** A long-running process whose output can be waited for, and that is stopped for sure. */
export class Running {
  #output = '';
  readonly exited: Promise<number | null>;

  /** `outputLimit`: keep only the last that many characters (for chatty processes under load). */
  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly outputLimit = Number.POSITIVE_INFINITY,
  ) {
    const keep = (chunk: string) => {
      this.#output += chunk;
      if (this.#output.length > this.outputLimit) this.#output = this.#output.slice(-this.outputLimit);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    // A process that cannot start at all (no such executable) exits too, as far as waiting goes.
    child.once('error', (error) => keep(`\n${error.message}\n`));
  }

  /** stdout and stderr as they came, interleaved. */
  get output(): string {
    return this.#output;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Resolves with the first match of `pattern` in the output so far or to come; rejects if the
   * process exits first, or after `timeoutMs` if given.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.child.stdout.off('data', check);
        this.child.stderr.off('data', check);
      };
      const check = () => {
        const match = this.#output.match(pattern);
        if (!match) return false;
        done();
        resolve(match);
        return true;
      };
      if (check()) return;
      this.child.stdout.on('data', check);
      this.child.stderr.on('data', check);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} after ${timeoutMs} ms:\n${this.#output}`));
        }, timeoutMs);
      }
      void this.exited.then((code) => {
        if (check()) return;
        done();
        reject(new Error(`exited (${code ?? this.child.signalCode}) before printing ${pattern}:\n${this.#output}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; its exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (exited(this.child)) return this.exited;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    if ((await Promise.race([this.exited, late])) === 'late') this.child.kill('SIGKILL');
    clearTimeout(timer);
    return this.exited;
  }
}

/** A TypeScript entry of this repo (the server, a script) run through tsx. */
export function startTs(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  options: { nodeArgs?: readonly string[]; outputLimit?: number } = {},
): Running {
  const child = spawn(process.execPath, [...tsNodeArgs(options.nodeArgs), entry, ...args], { cwd: ROOT, env: cleanEnv(env) });
  return new Running(child, options.outputLimit);
}
