import { describe, expect, it } from 'vitest';
import { useCliMesh } from '../testing/cli-mesh.js';
import { runMesh } from '../testing/processes.js';

// `mesh enrollment create|ls|revoke` and `mesh register --enrollment-key`, the bin against a mesh
// process that takes enrollment keys (MESH_ADMISSION=manual,enrollment-key).
const { env, file, withKey } = useCliMesh({ keys: ['sovereign', 'node'], env: { MESH_ADMISSION: 'manual,enrollment-key' } });

const asSovereign = () => withKey('sovereign.pem');
const NODE = ['--node-id', 'validator-007', '--hostname', 'validator-g.ts.net', '--ip', '100.64.0.7'];

describe('mesh enrollment, against a mesh process', { timeout: 120_000 }, () => {
  it('creates a key, registers a node with it (approved at once), lists and revokes it', async () => {
    const created = await runMesh(
      ['enrollment', 'create', '--note', 'rack 7', '--tag', 'tag:validator', '--expires-in', '1h', '--json'],
      asSovereign(),
    );
    expect(created).toMatchObject({ code: 0 });
    const { secret, key } = JSON.parse(created.stdout) as { secret: string; key: { id: string; maxUses: number } };
    expect(key.maxUses).toBe(1);

    const registered = await runMesh(['register', ...NODE], {
      env: { ...env, MESH_KEY: file('node.pem'), MESH_ENROLLMENT_KEY: secret },
    });
    expect(registered).toMatchObject({
      code: 0,
      stdout: `validator-007: Registration approved at once through enrollment key ${key.id}. Status: active.\n`,
    });

    const listed = await runMesh(['enrollment', 'ls'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${key.id}\\s+spent\\s+1/1\\s+.*tag:validator\\s+rack 7`));
    expect(listed.stdout).not.toContain(secret);

    const again = await runMesh(
      ['register', '--node-id', 'validator-008', '--hostname', 'validator-h.ts.net', '--enrollment-key', secret],
      asSovereign(),
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('ENROLLMENT_KEY_SPENT');

    const revoked = await runMesh(['enrollment', 'revoke', key.id], asSovereign());
    expect(revoked).toMatchObject({ code: 0, stdout: `Enrollment key ${key.id} revoked: it admits nobody from now on.\n` });
  });

  it('refuses a malformed --enrollment-key before signing anything', async () => {
    const refused = await runMesh(['register', ...NODE, '--enrollment-key', 'not-a-key'], withKey('node.pem'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--enrollment-key.*must be an enrollment key/);
  });
});
