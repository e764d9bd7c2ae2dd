import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { signedRegister, signedSovereignAdd } from '../../../client/signed-requests.js';
import { createTestMesh, newSigner, type TestMesh } from '../../testing/harness.js';

let t: TestMesh;
beforeEach(async () => {
  t = await createTestMesh();
});
afterEach(() => t.mesh.close());

describe('node.changes (tRPC)', () => {
  it('answers the nodes changed since a revision, and nothing for sovereign keys added meanwhile', async () => {
    const { revision } = await t.api.node.list();
    await t.api.node.register(
      signedRegister(newSigner(t.clock), { nodeId: 'v1', tailscaleHostname: 'v1.ts.net' }, { network: t.network }),
    );
    await t.api.sovereign.add(signedSovereignAdd(t.sovereign, { publicKey: newSigner().publicKey }, { network: t.network }));
    const delta = await t.api.node.changes({ sinceRevision: revision });
    expect(delta).toEqual({
      revision: revision + 2,
      changes: [{ op: 'upsert', node: expect.objectContaining({ id: 'v1', status: 'pending' }) }],
    });
    expect(await t.api.node.changes({ sinceRevision: revision, status: 'active' })).toEqual({
      revision: revision + 2,
      changes: [{ op: 'delete', id: 'v1' }],
    });
  });

  it('answers a reset for a revision ahead of the log, and refuses a negative one', async () => {
    const { revision } = await t.api.node.list();
    expect(await t.api.node.changes({ sinceRevision: revision + 5 })).toMatchObject({ reset: true, revision });
    await expect(t.api.node.changes({ sinceRevision: -1 })).rejects.toThrow(TRPCError);
  });
});
