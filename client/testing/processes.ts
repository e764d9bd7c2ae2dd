import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanEnv, ROOT, Running, startTs } from '../../shared/testing/processes.js';

const BIN = fileURLToPath(new URL('../../bin/mesh.js', import.meta.url));

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

/** `mesh …` left running, e.g. the agent. */
export function startMeshCli(args: string[], env: Record<string, string> = {}): Running {
  return new Running(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(env) }));
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
export { ROOT, Running, startTs } from '../../shared/testing/processes.js';
