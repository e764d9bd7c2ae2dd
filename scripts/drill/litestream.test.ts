import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../../shared/testing/processes.js';
import { litestreamBinary } from './litestream.js';

const run = promisify(execFile);
const CONFIG = join(ROOT, 'deploy/litestream.yml');

describe('Litestream from npm', () => {
  it('is an executable in the package itself: nothing to download, no install script', async () => {
    const { stdout } = await run(litestreamBinary(), ['version']);
    expect(stdout.trim()).toMatch(/^v0\.3\.\d+$/);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules/@flydotio/litestream-linux-x64/package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    expect(manifest.scripts ?? {}).toEqual({});
  });

  it("reads deploy/litestream.yml: mesh.service's database, replicated to S3-compatible storage", async () => {
    const unit = readFileSync(join(ROOT, 'deploy/mesh.service'), 'utf8');
    const dbPath = /MESH_DB_PATH=(\S+)/.exec(unit)?.[1];
    const env = cleanEnv({
      LITESTREAM_BUCKET: 'mesh-replica',
      LITESTREAM_ENDPOINT: 'https://s3.example.net',
      LITESTREAM_REGION: 'auto',
    });
    const { stdout } = await run(litestreamBinary(), ['databases', '-config', CONFIG], { env });
    expect(stdout.split('\n')[1]?.split(/\s+/)).toEqual([dbPath, 's3']);
    // Without a bucket Litestream refuses to start rather than replicate nowhere.
    const refused = await run(litestreamBinary(), ['databases', '-config', CONFIG], { env: cleanEnv({}) }).then(
      () => null,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(refused?.code).toBe(1);
    expect(`${refused?.stdout}${refused?.stderr}`).toMatch(/bucket required/);
  });
});
