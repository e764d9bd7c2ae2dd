import { signedHeartbeat, signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import type { MeshConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { SweepResult } from '../services/sweep-pass.js';
import { sweepOnce } from '../sweeper.js';
import { createTestMesh, newSigner, type TestClock, type TestMesh } from './harness.js';

export interface TestNode {
  id: string;
  key: Signer;
  heartbeat(): Promise<unknown>;
}

/** `count` nodes registered and approved through the procedures: n00, n01, ... */
export async function activeNodes(mesh: TestMesh, count: number): Promise<TestNode[]> {
  const options = { network: mesh.network };
  const nodes: TestNode[] = [];
  for (let i = 0; i < count; i++) {
    const id = `n${String(i).padStart(2, '0')}`;
    const key = newSigner(mesh.clock);
    await mesh.api.node.register(signedRegister(key, { nodeId: id, tailscaleHostname: `${id}.ts.net` }, options));
    await mesh.api.sovereign.approve(
      signedNodeDecision(mesh.sovereign, 'approve', { nodeId: id, nodePublicKey: key.publicKey }, options),
    );
    nodes.push({ id, key, heartbeat: () => mesh.api.health.heartbeat(signedHeartbeat(key, { nodeId: id }, options)) });
  }
  return nodes;
}

/**
 * `count` active nodes on a mesh whose start-up grace is over (one offline threshold has passed),
 * every node having just sent a heartbeat. The caller closes `mesh.mesh`.
 */
export async function sweepingNetwork(
  count: number,
  config: Partial<MeshConfig> = {},
  options: { clock?: TestClock; logger?: Logger } = {},
): Promise<{ mesh: TestMesh; nodes: TestNode[] }> {
  const mesh = await createTestMesh({ config, ...options });
  const nodes = await activeNodes(mesh, count);
  mesh.clock.advance(mesh.mesh.config.offlineAfterMs);
  for (const node of nodes) await node.heartbeat();
  return { mesh, nodes };
}

/**
 * Lets `ms` pass a minute at a time, as the sweeper would see it: every node in `alive` sends a
 * heartbeat each minute, the others stay silent, and one sweeper pass runs at the end of each
 * minute. Returns each pass's result.
 */
export async function sweepMinutes(mesh: TestMesh, ms: number, alive: readonly TestNode[]): Promise<SweepResult[]> {
  const passes: SweepResult[] = [];
  for (let left = ms; left > 0; left -= 60_000) {
    mesh.clock.advance(Math.min(60_000, left));
    for (const node of alive) await node.heartbeat();
    passes.push(await sweepOnce(mesh.mesh));
  }
  return passes;
}
