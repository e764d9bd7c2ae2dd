import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portInUse, startCommand, startLine } from '../client/testing/entry-points.js';
import { ROOT } from '../shared/testing/processes.js';
import { waitUntil } from '../shared/testing/wait.js';

const run = promisify(execFile);
// Both cases build dist/ (npm start through prestart, npm pack through prepack), so they run in
// this one file, one after the other; each step is a real npm, tsc or mesh process.
const SLOW = { timeout: 600_000 };

async function sigtermStopsMesh(running: ReturnType<typeof startCommand>) {
  const { port, pid } = await startLine(running);
  expect(await portInUse(port)).toBe(true);
  process.kill(pid, 'SIGTERM');
  expect(await running.exited).toBe(0);
  expect(await portInUse(port)).toBe(false);
  expect(running.output).toContain('SIGTERM: shutting down');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('production entry points and the package', () => {
  const temp = mkdtempSync(join(tmpdir(), 'mesh-package-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }), 120_000);

  it('npm start runs mesh as one process: SIGTERM to the pid it prints stops it and frees the port', SLOW, async () => {
    const running = startCommand('npm', ['start'], {
      cwd: ROOT,
      env: { MESH_PORT: '0', MESH_HOST: '127.0.0.1', MESH_DB_PATH: join(temp, 'start.db'), MESH_LOG_REQUESTS: 'false' },
    });
    await sigtermStopsMesh(running);
    // npm's own process is the parent of mesh's: the pid printed is mesh's, not a tsx or npm in between.
    expect(running.output).toMatch(/> exec node dist\/server\/main\.js/);
  });

  it('npm start: SIGTERM to npm itself reaches mesh, which stops and frees the port', SLOW, async () => {
    const running = startCommand('npm', ['start'], {
      cwd: ROOT,
      env: { MESH_PORT: '0', MESH_HOST: '127.0.0.1', MESH_DB_PATH: join(temp, 'start-npm.db'), MESH_LOG_REQUESTS: 'false' },
    });
    const { port, pid } = await startLine(running);
    expect(pid).not.toBe(running.pid);
    // npm passes the signal to its child: the script execs node, so that child is mesh (a shell in
    // between would die of the signal and leave mesh running).
    process.kill(running.pid, 'SIGTERM');
    await running.exited;
    await waitUntil(() => !isAlive(pid), `mesh (pid ${pid}) to exit`);
    expect(running.output).toContain('SIGTERM: shutting down');
    expect(await portInUse(port)).toBe(false);
  });

  describe('installed from `npm pack` into a project that cannot see the source tree', () => {
    const app = join(temp, 'app');
    let tarball = '';

    beforeAll(async () => {
      const packed = await run('npm', ['pack', '--json', '--pack-destination', temp], { cwd: ROOT, maxBuffer: 16 << 20 });
      const [pack] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>;
      tarball = join(temp, pack?.filename ?? 'no-tarball');
      const typesNode = (
        JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }
      ).version;
      await run('mkdir', ['-p', app]);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      await run(
        'npm',
        ['install', tarball, `@types/node@${typesNode}`, 'typescript@~5.9', '--prefer-offline', '--no-audit', '--no-fund'],
        {
          cwd: app,
          maxBuffer: 16 << 20,
        },
      );
    }, 600_000);

    it('holds the compiled code and no sources or tests', SLOW, async () => {
      const { stdout } = await run('tar', ['-tzf', tarball]);
      const files = stdout.split('\n').filter((line) => line !== '');
      expect(files).toEqual(
        expect.arrayContaining([
          'package/dist/client/index.js',
          'package/dist/client/index.d.ts',
          'package/dist/server/main.js',
          'package/dist/db/migrations/meta/_journal.json',
          'package/bin/mesh.js',
        ]),
      );
      expect(files.filter((file) => /\.test\.|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
    });

    it('imports the client, and a program type-checks against its .d.ts with skipLibCheck: false', SLOW, async () => {
      const loaded = await run(
        process.execPath,
        ['--input-type=module', '-e', "const m = await import('@tana/mesh/client'); console.log(Object.keys(m).sort().join())"],
        {
          cwd: app,
        },
      );
      expect(loaded.stdout).toMatch(/createMeshClient/);
      expect(loaded.stdout).toMatch(/MESH_ERRORS/);

      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
          },
          include: ['app.ts'],
        }),
      );
      writeFileSync(
        join(app, 'app.ts'),
        `import { createMeshClient, isMeshError, loadKey, MESH_ERRORS, type NodeView } from '@tana/mesh/client';

const mesh = createMeshClient({ url: ['http://127.0.0.1:1'] });
export async function activeLedgers(): Promise<NodeView[]> {
  const { nodes } = await mesh.trpc.node.list.query({ status: 'active', service: 'ledger' });
  // @ts-expect-error: the router's types are real, so a status it does not know is refused
  await mesh.trpc.node.list.query({ status: 'sleeping' });
  const hostname: string = nodes[0]?.tailscale_hostname ?? '';
  return hostname === '' ? [] : nodes;
}
export async function beat(): Promise<string> {
  try {
    return (await mesh.heartbeat(await loadKey('node.pem'), 'validator-002')).status;
  } catch (error) {
    return isMeshError(error, 'NODE_NOT_FOUND') ? 'unknown: ' + MESH_ERRORS.NODE_NOT_FOUND : 'failed';
  }
}
`,
      );
      const checked = await run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: app }).catch(
        (error: { stdout: string }) => error,
      );
      expect(checked.stdout).toBe('');
    });

    it('runs `mesh --help` from its bin, and `mesh serve` stops on SIGTERM to the pid it prints', SLOW, async () => {
      const help = await run(join(app, 'node_modules/.bin/mesh'), ['--help'], { cwd: app });
      expect(help.stdout).toMatch(/^Usage: mesh \[options\] \[command\]/);
      expect(help.stdout).toMatch(/serve {2,}start mesh/);

      const running = startCommand(join(app, 'node_modules/.bin/mesh'), ['serve'], {
        cwd: app,
        env: { MESH_PORT: '0', MESH_HOST: '127.0.0.1', MESH_DB_PATH: join(app, 'mesh.db'), MESH_LOG_REQUESTS: 'false' },
      });
      await sigtermStopsMesh(running);
    });
  });
});
