import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mesh.js', import.meta.url));

/** The environment without the caller's own MESH_* settings, so a developer's shell cannot steer a test. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MESH_')));
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mesh` as an operator would (the bin, through tsx), with stdin not a terminal. */
export function runMesh(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: cleanEnv(options.env ?? {}), cwd: options.cwd ?? ROOT },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A long-running process whose output a test can wait for. */
export class Running {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first match of `pattern` in the output so far or to come; fails if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.output.match(pattern);
        if (!match) return false;
        this.child.stdout.off('data', check);
        this.child.stderr.off('data', check);
        resolve(match);
        return true;
      };
      if (check()) return;
      this.child.stdout.on('data', check);
      this.child.stderr.on('data', check);
      void this.exited.then((code) => {
        if (!check()) reject(new Error(`exited (${code}) before printing ${pattern}:\n${this.output}`));
      });
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** `mesh …` left running, e.g. the agent. */
export function startMeshCli(args: string[], env: Record<string, string> = {}): Running {
  return new Running(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env) }));
}

/** A TypeScript entry of this repo (the server, a script) run as `npm start` runs it, through tsx. */
export function startTs(entry: string, args: string[], env: Record<string, string>): Running {
  return new Running(spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, env: cleanEnv(env) }));
}

/** The mesh server as its own process on a free port; see listeningUrl. */
export function startMeshServer(env: Record<string, string>): Running {
  return startTs('server/main.ts', [], { MESH_PORT: '0', MESH_HOST: '127.0.0.1', MESH_LOG_REQUESTS: 'false', ...env });
}

/** The URL the server listens on, from its start line. */
export async function listeningUrl(server: Running): Promise<string> {
  const [, port] = await server.waitFor(/mesh \S+ on 127\.0\.0\.1:(\d+),/);
  return `http://127.0.0.1:${port}`;
}
