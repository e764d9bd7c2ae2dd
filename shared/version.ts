import { readFileSync } from 'node:fs';

const PACKAGE_NAME = '@tana/mesh';

/**
 * mesh's version, from the package.json above `from`. The same file runs from the source tree and
 * from dist/ (one level deeper), so the package file is found by walking up, not by a fixed path.
 */
export function packageVersion(from: string | URL = import.meta.url): string {
  for (let dir = new URL('./', from); ; dir = new URL('../', dir)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (dir.pathname === '/') throw new Error(`no package.json of ${PACKAGE_NAME} above ${String(from)}`);
  }
}
