import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Running, ROOT, startTs } from '../client/testing/processes.js';
import { tempDir } from './testing/harness.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function scratch(): string {
  const temp = tempDir();
  cleanups.push(() => temp.cleanup());
  return temp.dir;
}

/** mesh's server process with `env`, run to its exit: what an operator (or systemd's journal) sees. */
async function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const running = startTs('server/main.ts', [], { MESH_HOST: '127.0.0.1', MESH_PORT: '0', MESH_LOG_REQUESTS: 'false', ...env });
  cleanups.push(() => void running.stop());
  const code = await running.exited;
  return { code, output: running.output };
}

/** One line, the timestamped ERROR, and nothing that looks like a stack trace. */
function oneLine(output: string): string {
  const errors = output.split('\n').filter((line) => line.includes(' ERROR '));
  expect(errors).toHaveLength(1);
  expect(output).not.toMatch(/\n\s+at /);
  return (errors[0] as string).replace(/^\S+ ERROR /, '');
}

// Each case starts mesh as its own process through tsx: seconds on a loaded machine.
describe('mesh refusing to start', { timeout: 120_000 }, () => {
  it('names a port in use (exit 3)', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as { port: number }).port;
    const result = await start({ MESH_PORT: String(port), MESH_DB_PATH: join(scratch(), 'mesh.db') });
    expect(result.code).toBe(3);
    expect(oneLine(result.output)).toBe(
      `port ${port} is already in use on 127.0.0.1 (MESH_PORT): stop what listens there, or choose another port`,
    );
  });

  it('names a database directory that does not exist (exit 5), and warns about an unknown MESH_ variable', async () => {
    const dir = join(scratch(), 'absent');
    const result = await start({ MESH_DB_PATH: join(dir, 'mesh.db'), MESH_PROT: '9000' });
    expect(result.code).toBe(5);
    expect(oneLine(result.output)).toBe(
      `the database directory ${dir} does not exist (MESH_DB_PATH): create it, or point MESH_DB_PATH elsewhere`,
    );
    expect(result.output).toMatch(/warning: MESH_PROT is not a mesh setting and is ignored \(did you mean MESH_PORT\?\)/);
  });

  it('names a database directory it may not write (exit 5)', async () => {
    const dir = join(scratch(), 'read-only');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    // root writes anywhere: the check is made as an unprivileged user then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (process.getuid?.() === 0) chmodSync(join(dir, '..'), 0o755);
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: '/tmp', MESH_DB_PATH: join(dir, 'mesh.db'), MESH_HOST: '127.0.0.1', MESH_PORT: '0' },
      ...asUser,
    });
    const running = new Running(child);
    const code = await running.exited;
    expect(code).toBe(5);
    expect(oneLine(running.output)).toBe(
      `the database directory ${dir} is not writable by this user (MESH_DB_PATH): SQLite keeps its journal beside the file`,
    );
  });

  it('names an unsupported MESH_DB_URL scheme and an empty MESH_NETWORK (exit 2)', async () => {
    const [postgres, empty] = await Promise.all([
      start({ MESH_DB_URL: 'postgres://mesh:secret@db.example/mesh' }),
      start({ MESH_NETWORK: '', MESH_DB_PATH: join(scratch(), 'mesh.db') }),
    ]);
    expect(postgres.code).toBe(2);
    expect(oneLine(postgres.output)).toMatch(/^invalid configuration: MESH_DB_URL: unsupported scheme "postgres:"/);
    expect(postgres.output).not.toContain('secret');
    expect(empty.code).toBe(2);
    expect(oneLine(empty.output)).toBe(
      'invalid configuration: MESH_NETWORK is set but empty (unset it for the default, or give a value)',
    );
  });

  it('names a MESH_HOST that does not resolve (exit 4)', async () => {
    const result = await start({ MESH_HOST: 'no-such-host.invalid', MESH_DB_PATH: join(scratch(), 'mesh.db') });
    expect(result.code).toBe(4);
    expect(oneLine(result.output)).toMatch(
      /^MESH_HOST "no-such-host\.invalid" does not resolve to an address \((ENOTFOUND|EAI_AGAIN)\): give an IP address or a resolvable name$/,
    );
  });
});
