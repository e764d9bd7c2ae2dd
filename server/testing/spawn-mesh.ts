import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface SpawnedMesh {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const START_LINE = / on [^ ]+:(\d+), network /;

/** Starts `npm start`'s program as its own process on a free port, and waits for it to listen. */
export function spawnMesh(env: Record<string, string>, timeoutMs = 15_000): Promise<SpawnedMesh> {
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [join(process.cwd(), 'server', 'main.ts')], {
    env: { ...process.env, MESH_PORT: '0', MESH_HOST: '127.0.0.1', MESH_LOG_REQUESTS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`mesh did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = START_LINE.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, process: child, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mesh exited with ${code}:\n${output}`));
    });
  });
}
