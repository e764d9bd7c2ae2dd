import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { RFC8032_KEY_1, RFC8032_KEY_2 } from '../shared/testing/rfc8032.js';
import { tempDir } from '../shared/testing/temp-dir.js';

const run = promisify(execFile);
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const script = join(process.cwd(), 'scripts', 'sovereign-bootstrap.ts');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function bootstrap(dbPath: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(tsx, [script, ...args], { env: { ...process.env, MESH_DB_PATH: dbPath } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run sovereign:bootstrap', () => {
  it('adds the first key to a new database, then refuses once a sovereign exists', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const dbPath = join(dir, 'mesh.db');

    const first = await bootstrap(dbPath, RFC8032_KEY_2.publicKey.toUpperCase(), 'Genesis sovereign');
    expect(first).toMatchObject({ code: 0, stdout: `sovereign key ${RFC8032_KEY_2.publicKey} added (Genesis sovereign)\n` });

    const second = await bootstrap(dbPath, RFC8032_KEY_1.publicKey);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/refused: this database already has 1 sovereign key/);

    const database = await openDatabase(`file:${dbPath}`);
    const rows = await database.client.execute('SELECT public_key, description, added_by FROM sovereign_keys');
    expect(rows.rows.map((row) => ({ ...row }))).toEqual([
      { public_key: RFC8032_KEY_2.publicKey, description: 'Genesis sovereign', added_by: null },
    ]);
    database.close();
  });

  it('refuses a small-order key and a missing key with usage', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const weak = await bootstrap(join(dir, 'mesh.db'), '01'.padEnd(64, '0'));
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/small-order/);
    const missing = await bootstrap(join(dir, 'mesh.db'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/usage: npm run sovereign:bootstrap/);
  });
});
