import { type KeyObject } from 'node:crypto';
import { newEd25519Key } from '../shared/sign.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMeshClient } from '../client/client.js';
import { startLiveMesh, type LiveMesh } from '../client/testing/mesh.js';
import { runMesh } from '../client/testing/processes.js';
import { databaseFile } from '../db/location.js';
import { refusingUrl } from '../shared/testing/ports.js';
import { tempDir } from '../shared/testing/temp-dir.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 60_000);

function scratch(): string {
  const temp = tempDir();
  cleanups.push(() => temp.cleanup());
  return temp.dir;
}

async function live(overrides: Parameters<typeof startLiveMesh>[0] = {}): Promise<LiveMesh> {
  const mesh = await startLiveMesh(overrides);
  cleanups.push(() => mesh.close());
  return mesh;
}

const dbPathOf = (mesh: LiveMesh) => databaseFile(mesh.running.mesh.config.dbUrl ?? '') as string;

interface Acknowledged {
  nodeId: string;
  /** When the client had the answer in hand. */
  at: number;
  receivedAt?: number;
}

// Each case runs `mesh backup` / `mesh restore` as their own processes (through tsx).
describe('mesh backup and mesh restore', { timeout: 300_000 }, () => {
  it('a backup taken under heartbeat load holds every write acknowledged before it began, and restores into a fresh mesh', async () => {
    const source = await live();
    const client = createMeshClient({ url: source.url });
    const nodes = Array.from({ length: 8 }, (_, index) => ({
      nodeId: `load-${index}`,
      key: newEd25519Key(),
    }));
    for (const { nodeId, key } of nodes) await client.register(key, { nodeId, tailscaleHostname: `${nodeId}.ts.net` });

    const acknowledged: Acknowledged[] = [];
    let running = true;
    let registered = 0;
    const beat = async ({ nodeId, key }: { nodeId: string; key: KeyObject }) => {
      while (running) {
        const { receivedAt } = await client.heartbeat(key, nodeId);
        acknowledged.push({ nodeId, at: Date.now(), receivedAt });
      }
    };
    const register = async () => {
      while (running) {
        const nodeId = `joined-${registered++}`;
        await client.register(newEd25519Key(), { nodeId, tailscaleHostname: `${nodeId}.ts.net` });
        acknowledged.push({ nodeId, at: Date.now() });
      }
    };
    const load = Promise.all([...nodes.map(beat), register()]);
    // Whatever fails below, the load stops before the mesh it talks to closes.
    cleanups.push(async () => {
      running = false;
      await load.catch(() => undefined);
    });
    while (acknowledged.length < 200) await new Promise((resolve) => setImmediate(resolve));

    const backupFile = join(scratch(), 'mesh-backup.db');
    const began = Date.now();
    // What was acknowledged up to now: a filter on `at < began` lost a write of the same millisecond.
    const before = acknowledged.slice();
    const backup = await runMesh(['backup', backupFile], { env: { MESH_DB_PATH: dbPathOf(source) } });
    const ended = Date.now();
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(new RegExp(`^backup written to ${backupFile}: revision \\d+, \\d+ nodes, 1 sovereign keys`));
    // mesh kept acknowledging writes while the backup ran.
    while (!acknowledged.some((write) => write.at > ended)) await new Promise((resolve) => setImmediate(resolve));
    expect(acknowledged.filter((write) => write.at > began && write.at < ended).length).toBeGreaterThan(0);
    running = false;
    await load;
    await source.close();

    const target = join(scratch(), 'mesh.db');
    const nothingThere = new URL(await refusingUrl());
    const restore = await runMesh(['restore', backupFile], {
      env: { MESH_DB_PATH: target, MESH_HOST: '127.0.0.1', MESH_PORT: nothingThere.port },
    });
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toMatch(new RegExp(`^restored ${backupFile} to ${target}: revision \\d+`));

    const restored = await live({ dbUrl: `file:${target}` });
    const view = createMeshClient({ url: restored.url });
    const missing: string[] = [];
    for (const write of before) {
      const node = await view.trpc.node.get.query({ nodeId: write.nodeId }).catch(() => null);
      if (!node) missing.push(`${write.nodeId}: gone`);
      else if (write.receivedAt !== undefined && (node.last_heartbeat ?? 0) < write.receivedAt) {
        missing.push(`${write.nodeId}: heartbeat of ${write.receivedAt} lost`);
      }
    }
    expect(before.length).toBeGreaterThanOrEqual(200);
    expect(missing).toEqual([]);
  });

  it('restore refuses a file that is not a mesh database, one from a newer mesh, and a running mesh', async () => {
    const dir = scratch();
    const source = await live();
    const backupFile = join(dir, 'good.db');
    expect((await runMesh(['backup', backupFile], { env: { MESH_DB_PATH: dbPathOf(source) } })).code).toBe(0);

    const notSqlite = join(dir, 'notes.txt');
    writeFileSync(notSqlite, 'not a database at all, but long enough to have a header\n');
    const otherSqlite = join(dir, 'other.db');
    const other = createClient({ url: `file:${otherSqlite}` });
    await other.execute('CREATE TABLE things (id INTEGER PRIMARY KEY)');
    other.close();
    const newer = join(dir, 'newer.db');
    expect((await runMesh(['backup', newer], { env: { MESH_DB_PATH: dbPathOf(source) } })).code).toBe(0);
    const edited = createClient({ url: `file:${newer}` });
    await edited.execute(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-a-newer-mesh', 4102444800000)`);
    edited.close();

    const target = join(dir, 'restored', 'mesh.db');
    const offline = { MESH_DB_PATH: join(dir, 'mesh.db'), MESH_HOST: '127.0.0.1', MESH_PORT: new URL(await refusingUrl()).port };
    const [text, foreign, fromNewer, underRunning, noDir] = await Promise.all([
      runMesh(['restore', notSqlite], { env: offline }),
      runMesh(['restore', otherSqlite], { env: offline }),
      runMesh(['restore', newer], { env: offline }),
      runMesh(['restore', backupFile], {
        env: { MESH_DB_PATH: dbPathOf(source), MESH_HOST: '127.0.0.1', MESH_PORT: String(source.running.port) },
      }),
      runMesh(['restore', backupFile], { env: { ...offline, MESH_DB_PATH: target } }),
    ]);
    expect(text).toMatchObject({ code: 1, stderr: `mesh restore: ${notSqlite} is not a mesh database (not an SQLite file)\n` });
    expect(foreign).toMatchObject({
      code: 1,
      stderr: `mesh restore: ${otherSqlite} is not a mesh database (no nodes, services, sovereign_keys, signer_clocks, __drizzle_migrations table)\n`,
    });
    expect(fromNewer.code).toBe(1);
    expect(fromNewer.stderr).toMatch(/has 1 migration\(s\) this mesh does not know \(made by a newer mesh\?\)/);
    expect(underRunning).toMatchObject({ code: 1 });
    expect(underRunning.stderr).toMatch(/a mesh is running on port \d+ \(MESH_PORT\): stop it before restoring/);
    expect(noDir.code).toBe(5);
    expect(noDir.stderr).toMatch(/the database directory .*restored does not exist \(MESH_DB_PATH\)/);
  });

  it('backup refuses to overwrite a file, and prints its usage without one', async () => {
    const source = await live();
    const dir = scratch();
    const existing = join(dir, 'taken.db');
    writeFileSync(existing, 'keep me');
    const [overwrite, usage] = await Promise.all([
      runMesh(['backup', existing], { env: { MESH_DB_PATH: dbPathOf(source) } }),
      runMesh(['backup'], { env: { MESH_DB_PATH: dbPathOf(source) } }),
    ]);
    expect(overwrite).toMatchObject({
      code: 1,
      stderr: `mesh backup: ${existing} exists already: choose a new file, a backup never overwrites one\n`,
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^mesh backup: give the file to write, and nothing else\nusage: mesh backup <file>/);
  });
});
