import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory (for a database file, keys), removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
