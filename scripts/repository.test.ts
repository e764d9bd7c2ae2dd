import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Paths of another checkout, spelled in pieces so that this guard does not cite them itself.
const OUTSIDE_CITATION = new RegExp(
  ['/' + 'work/', 'steer' + 'ing repo', '(?<!testing/)' + 'wycheproof/', 'shared/' + 'spec/', 'MESH_' + 'WYCHEPROOF_DIR'].join(
    '|',
  ),
);

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Every file a clone holds (tracked, or new and not ignored): what a checkout elsewhere would have. */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return listed
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)))
    .filter((file) => !file.startsWith('db/migrations/meta/') && file !== 'package-lock.json' && !file.endsWith('.json'));
}

const inside = (file: string, target: string) => {
  const path = relative(ROOT, resolve(dirname(join(ROOT, file)), target));
  return !path.startsWith(`..${sep}`) && path !== '..';
};

describe('the repository stands alone', () => {
  const files = repositoryFiles();

  it('lists the files it checks', () => {
    expect(files).toContain('server/crypto/verify.test.ts');
    expect(files).toContain('README.md');
  });

  it('never reads a relative path that leaves the repository', () => {
    const escapes: string[] = [];
    for (const file of files.filter((name) => /\.(ts|js|mjs|cjs)$/.test(name))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/['"`](\.\.?\/[^'"`\s]*)['"`]/g)) {
        if (!inside(file, target as string)) escapes.push(`${file}: ${target}`);
      }
    }
    expect(escapes).toEqual([]);
  });

  it('links documents only to files inside it, and cites no path of another checkout', () => {
    const problems: string[] = [];
    for (const file of files.filter(
      (name) => name.endsWith('.md') || /\.(ts|js|sh|toml|service)$/.test(name) || name.startsWith('.ci/'),
    )) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (OUTSIDE_CITATION.test(text) && file !== 'scripts/repository.test.ts')
        problems.push(`${file}: cites a path outside the repository`);
      if (!file.endsWith('.md')) continue;
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target as string)) continue;
        const path = resolve(dirname(join(ROOT, file)), target as string);
        if (!inside(file, target as string) || !existsSync(path)) problems.push(`${file}: link to ${target}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('ignores what the README walkthrough leaves behind', () => {
    const leftovers = ['sovereign.pem', 'node.pem', 'mesh-msg', 'mesh.db', 'mesh.db-wal', 'mesh.db-shm', 'dist/server/main.js'];
    const ignored = execFileSync('git', ['check-ignore', '--no-index', ...leftovers], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '');
    expect(ignored).toEqual(leftovers);
  });
});
