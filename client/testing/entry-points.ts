import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Running } from './processes.js';

/** Starts a command as an operator or a supervisor would, with only the environment given. */
export function startCommand(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Running {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('MESH_') && !name.startsWith('npm_')),
  );
  return new Running(spawn(command, args, { cwd: options.cwd, env: { ...env, NO_COLOR: '1', ...options.env } }));
}

/** The port and pid from mesh's start line. */
export async function startLine(running: Running): Promise<{ port: number; pid: number }> {
  const [, port, pid] = await running.waitFor(/mesh \S+ on 127\.0\.0\.1:(\d+), pid (\d+),/);
  return { port: Number(port), pid: Number(pid) };
}

/** Whether something still listens on the port (binding it fails with EADDRINUSE). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
