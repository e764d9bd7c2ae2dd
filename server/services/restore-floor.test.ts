import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signedRegister } from '../../client/signed-requests.js';
import { backupDatabase, restoreDatabase } from '../../db/backup.js';
import { openDatabase } from '../../db/database.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { createTestMesh, newSigner, TestClock } from '../testing/harness.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the restore floor', () => {
  it('refuses every request signed up to the floor, from a key the restored database never saw, and takes later ones', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    (await openDatabase(`file:${join(dir, 'primary.db')}`)).close();
    await backupDatabase(`file:${join(dir, 'primary.db')}`, join(dir, 'replica.db'));
    const clock = new TestClock();
    const floor = clock.now() + 10_000;
    await restoreDatabase(join(dir, 'replica.db'), `file:${join(dir, 'standby.db')}`, clock.now(), floor);

    const t = await createTestMesh({ clock, config: { dbUrl: `file:${join(dir, 'standby.db')}` } });
    cleanups.push(() => t.mesh.close());
    expect(t.mesh.signedAfter).toBe(floor);
    const node = newSigner(clock);
    const registration = { nodeId: 'n1', tailscaleHostname: 'n1.ts.net' };
    // Signed ahead of the standby's clock, as the lost primary may have accepted it: still a replay.
    const atFloor = signedRegister(node, registration, { network: t.network, timestamp: floor });
    await expect(t.api.node.register(atFloor)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      cause: { code: 'REPLAYED_TIMESTAMP' },
      message: expect.stringMatching(/not after .*this database was restored/),
    });
    clock.advance(10_001);
    await t.api.node.register(signedRegister(node, registration, { network: t.network }));
    expect((await t.api.node.get({ nodeId: 'n1' })).status).toBe('pending');
  });

  it('is 0 on a database never restored: nothing is refused for it', async () => {
    const t = await createTestMesh();
    cleanups.push(() => t.mesh.close());
    expect(t.mesh.signedAfter).toBe(0);
  });
});
