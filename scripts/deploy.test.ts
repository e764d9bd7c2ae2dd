import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../shared/testing/processes.js';

const UNIT = join(ROOT, 'deploy/mesh.service');

/** The unit's settings, as `key -> every value given`, from the sections systemd reads. */
function settings(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) found.set(match[1] as string, [...(found.get(match[1] as string) ?? []), match[2] as string]);
  }
  return found;
}

describe('deploy/mesh.service', () => {
  const unit = settings(readFileSync(UNIT, 'utf8'));
  const one = (key: string) => unit.get(key)?.join(' ');

  it('runs the compiled entry as one process, as an unprivileged user, restarted on failure', () => {
    expect(one('User')).toBe('mesh');
    expect(one('ExecStart')).toMatch(/^\/usr\/bin\/node \S+\/@tana\/mesh\/dist\/server\/main\.js$/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    // exec: the shell npm runs the script in becomes mesh, so npm's forwarded SIGTERM reaches mesh
    // instead of killing a shell and leaving mesh running.
    expect(pkg.scripts.start).toBe('exec node dist/server/main.js');
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillMode')).toBe('mixed');
    expect(one('RestartPreventExitStatus')).toBe('2 3 4 5');
  });

  it('is hardened, and may write only the database directory MESH_DB_PATH points into', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe('/var/lib/mesh');
    expect(one('Environment')).toContain('MESH_DB_PATH=/var/lib/mesh/mesh.db');
    expect(one('CapabilityBoundingSet')).toBe('');
  });

  it('passes systemd-analyze verify where systemd is installed', async () => {
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));
    // Without systemd (a developer's macOS), the checks above are what there is.
    if (analyze === undefined) return;
    const { stderr } = await promisify(execFile)(analyze, ['verify', UNIT]);
    expect(stderr).toBe('');
  });
});
