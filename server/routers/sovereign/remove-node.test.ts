import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedNodeDecision, signedRegister } from '../../../client/signed-requests.js';
import { createTestMesh, newSigner, type TestMesh } from '../../testing/harness.js';

let t: TestMesh;
beforeEach(async () => {
  t = await createTestMesh();
});
afterEach(() => t.mesh.close());

async function registered(nodeId: string) {
  const node = newSigner(t.clock);
  await t.api.node.register(signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: t.network }));
  return signedNodeDecision(t.sovereign, 'remove', { nodeId, nodePublicKey: node.publicKey }, { network: t.network });
}

describe('sovereign.removeNode', () => {
  it('removes the node, and its former name sovereign.remove still does the same', async () => {
    expect(await t.api.sovereign.removeNode(await registered('a'))).toMatchObject({ nodeId: 'a', removed: true });
    expect(await t.api.sovereign.remove(await registered('b'))).toMatchObject({ nodeId: 'b', removed: true });
    expect(t.mesh.registry.getNode('a')).toBeUndefined();
    expect(t.mesh.registry.getNode('b')).toBeUndefined();
  });
});
