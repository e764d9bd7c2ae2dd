import { createClient } from '@libsql/client';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { waitUntil } from '../../shared/testing/wait.js';
import { runFailoverDrill } from './failover.js';

// Longer than the standby takes to start, so that a sweep without the start-up grace would come first.
const OFFLINE_AFTER_MS = 8_000;

// The drill of `npm run drill`, smaller: real mesh processes, a real `litestream replicate` and
// `litestream restore`, SIGKILL, and the primary's directory deleted.
describe('failover to a standby restored from Litestream', { timeout: 300_000 }, () => {
  it('refuses every replay of what the primary accepted, lost or not, and marks nobody offline before the start-up grace', async () => {
    const { dir, cleanup } = tempDir();
    const drill = await runFailoverDrill({
      workDir: dir,
      nodes: 40,
      heartbeatingNodes: 12,
      loadMs: 1_500,
      concurrency: 4,
      syncIntervalMs: 200,
      maxFutureSkewMs: 1_000,
      offlineAfterMs: OFFLINE_AFTER_MS,
      // Litestream stopped before the last six writes: they are acknowledged and certainly not replicated.
      lagReplicaBeforeKill: { writes: 6 },
      waitUntilOverdue: true,
    });
    try {
      expect(drill.acknowledged).toBeGreaterThan(20);
      expect(drill.lost.length).toBeGreaterThanOrEqual(6);
      const lostRegistration = drill.lost.find((ack) => ack.kind === 'register');
      expect(lostRegistration).toBeDefined();
      expect(drill.lost.some((ack) => ack.kind === 'heartbeat')).toBe(true);
      // The standby never heard of that node: its registration is gone with the primary.
      const unknown = await fetch(`${drill.standbyUrl}/nodes/${lostRegistration?.nodeId}`);
      expect(unknown.status).toBe(404);

      // The floor reaches past the kill (restore time plus MESH_MAX_FUTURE_SKEW_MS).
      expect(drill.signedAfter).toBeGreaterThan(drill.killAt);
      expect(drill.replays.filter((replay) => replay.lost)).toHaveLength(drill.lost.length);
      expect(drill.replays.length).toBeGreaterThan(drill.lost.length);
      expect(drill.replays.map((replay) => [replay.ack.kind, replay.status, replay.code])).toEqual(
        drill.replays.map((replay) => [replay.ack.kind, 401, 'REPLAYED_TIMESTAMP']),
      );
      // The lost registration stays refused: replaying it did not admit the node.
      expect((await fetch(`${drill.standbyUrl}/nodes/${lostRegistration?.nodeId}`)).status).toBe(404);

      // Every node silent since the kill goes offline on the standby, none before its start plus the
      // window (nodes that went offline on the primary before the kill came with the replica).
      const database = createClient({ url: `file:${drill.standbyDb}` });
      try {
        const offline = async () =>
          (
            await database.execute({
              sql: `SELECT node_id, time FROM events WHERE type = 'node.offline' AND revision > ?`,
              args: [drill.restoredRevision],
            })
          ).rows.map((row) => ({
            nodeId: row[0] as string,
            time: Number(row[1]),
          }));
        await waitUntil(
          async () => {
            const gone = new Set((await offline()).map((event) => event.nodeId));
            return drill.silentNodes.every((nodeId) => gone.has(nodeId));
          },
          'the silent nodes marked offline by the standby',
          60_000,
        );
        const events = await offline();
        expect(events.length).toBeGreaterThanOrEqual(drill.silentNodes.length);
        for (const event of events) expect(event.time).toBeGreaterThanOrEqual(drill.standbyStartedAt + OFFLINE_AFTER_MS);
      } finally {
        database.close();
      }
    } finally {
      await drill.close();
      cleanup();
    }
  });
});
