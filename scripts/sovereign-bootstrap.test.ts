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

// Each case starts the script as its own process through tsx: seconds on a loaded machine.
describe('npm run sovereign:bootstrap', { timeout: 60_000 }, () => {
  it('adds the first key to a new database, then refuses once a sovereign exists', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const dbPath = join(dir, 'mesh.db');

    const first = await bootstrap(dbPath, RFC8032_KEY_2.publicKey.toUpperCase(), 'Genesis sovereign');
    expect(first).toMatchObject({
      code: 0,
      stdout: `sovereign key ${RFC8032_KEY_2.publicKey} added (Genesis sovereign) to ${dbPath}\n`,
    });

    const second = await bootstrap(dbPath, RFC8032_KEY_1.publicKey);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `refused: ${dbPath} already has 1 sovereign key(s); add more with \`mesh sovereign add <publicKey>\``,
    );

    const database = await openDatabase(`file:${dbPath}`);
    const rows = await database.client.execute('SELECT public_key, description, added_by FROM sovereign_keys');
    expect(rows.rows.map((row) => ({ ...row }))).toEqual([
      { public_key: RFC8032_KEY_2.publicKey, description: 'Genesis sovereign', added_by: null },
    ]);
    database.close();
  });

  it('refuses a small-order key and a missing key with usage', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const weak = await bootstrap(join(dir, 'mesh.db'), '01'.padEnd(64, '0'));
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/small-order/);
    const missing = await bootstrap(join(dir, 'mesh.db'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^sovereign:bootstrap: give one public key \(64 hex characters\)[^\n]*\nusage: npm run sovereign:bootstrap -- <publicKeyHex>/,
    );
    expect(missing.stderr).not.toMatch(/Too small|expected array/);
  });

  it('says which directory is missing instead of an SQLite error', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const result = await bootstrap(join(dir, 'absent', 'mesh.db'), RFC8032_KEY_2.publicKey);
    expect(result.code).toBe(5);
    expect(result.stderr).toBe(
      `sovereign:bootstrap: the database directory ${join(dir, 'absent')} does not exist (MESH_DB_PATH): create it, or point MESH_DB_PATH elsewhere\n`,
    );
  });

  it('--recover replaces every sovereign key, and the events log records it as done by system', async () => {
    const temp = tempDir();
    cleanups.push(() => temp.cleanup());
    const { dir } = temp;
    const dbPath = join(dir, 'mesh.db');
    expect((await bootstrap(dbPath, RFC8032_KEY_2.publicKey, 'lost')).code).toBe(0);
    const recovered = await bootstrap(dbPath, '--recover', RFC8032_KEY_1.publicKey, 'recovery key');
    expect(recovered).toMatchObject({ code: 0 });
    expect(recovered.stdout).toMatch(/removed 1 sovereign key\(s\), added d75a98\w+ \(recovery key\) as the only one/);

    const database = await openDatabase(`file:${dbPath}`);
    const keys = await database.client.execute('SELECT public_key FROM sovereign_keys');
    expect(keys.rows.map((row) => row.public_key)).toEqual([RFC8032_KEY_1.publicKey]);
    const log = await database.client.execute('SELECT type, actor, public_key FROM events ORDER BY revision');
    expect(log.rows.map((row) => ({ ...row }))).toEqual([
      { type: 'sovereign.added', actor: 'system', public_key: RFC8032_KEY_2.publicKey },
      { type: 'sovereign.removed', actor: 'system', public_key: RFC8032_KEY_2.publicKey },
      { type: 'sovereign.added', actor: 'system', public_key: RFC8032_KEY_1.publicKey },
    ]);
    database.close();
  });
});
