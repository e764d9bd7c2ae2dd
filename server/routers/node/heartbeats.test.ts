import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { signedHeartbeat } from '../../../client/signed-requests.js';
import { clientErrorView } from '../../trpc-errors.js';
import { activeNode, createTestMesh, type TestMesh } from '../../testing/harness.js';

let t: TestMesh;
beforeEach(async () => {
  t = await createTestMesh();
});
afterEach(() => t.mesh.close());

describe('node.heartbeats', () => {
  it("lists a node's retained heartbeats oldest first, and only that node's", async () => {
    const a = await activeNode(t, 'validator-a');
    const b = await activeNode(t, 'validator-b');
    const times: number[] = [];
    for (const ip of ['100.64.0.1', '100.64.0.1', '100.64.0.2']) {
      t.clock.advance(120_000);
      times.push(t.clock.now());
      await t.api.health.heartbeat(signedHeartbeat(a, { nodeId: 'validator-a', tailscaleIP: ip }, { network: t.network }));
    }
    await t.api.health.heartbeat(signedHeartbeat(b, { nodeId: 'validator-b' }, { network: t.network }));

    const history = await t.api.node.heartbeats({ nodeId: 'validator-a' });
    expect(history).toEqual({
      nodeId: 'validator-a',
      retentionMs: t.mesh.config.heartbeatRetentionMs,
      windowStart: t.clock.now() - t.mesh.config.heartbeatRetentionMs,
      heartbeats: [
        { time: times[0], tailscaleIp: '100.64.0.1' },
        { time: times[1], tailscaleIp: '100.64.0.1' },
        { time: times[2], tailscaleIp: '100.64.0.2' },
      ],
      truncated: false,
    });
    const newest = await t.api.node.heartbeats({ nodeId: 'validator-a', limit: 2 });
    expect(newest.heartbeats.map((beat) => beat.time)).toEqual([times[1], times[2]]);
    expect(newest.truncated).toBe(true);
  });

  it('shows only the raw window, even before the sweeper deleted older rows, and says where it starts', async () => {
    const a = await activeNode(t, 'validator-a');
    await t.api.health.heartbeat(signedHeartbeat(a, { nodeId: 'validator-a' }, { network: t.network }));
    t.clock.advance(t.mesh.config.heartbeatRetentionMs + 1);
    await t.api.health.heartbeat(signedHeartbeat(a, { nodeId: 'validator-a' }, { network: t.network }));
    const history = await t.api.node.heartbeats({ nodeId: 'validator-a' });
    expect(history.windowStart).toBe(t.clock.now() - t.mesh.config.heartbeatRetentionMs);
    expect(history.heartbeats.map((beat) => beat.time)).toEqual([t.clock.now()]);
  });

  it('answers NODE_NOT_FOUND for a node mesh does not know, and refuses a bad limit', async () => {
    const unknown = await t.api.node.heartbeats({ nodeId: 'nobody' }).catch((error: TRPCError) => clientErrorView(error));
    expect(unknown).toMatchObject({ meshCode: 'NODE_NOT_FOUND', httpStatus: 404 });
    await expect(t.api.node.heartbeats({ nodeId: 'nobody', limit: 0 })).rejects.toThrow(TRPCError);
  });
});
