import type { MeshContext } from './context.js';
import type { Logger } from './log.js';
import { readNodeView } from './registry/node-views.js';
import { sweep, type SweepResult } from './services/sweeper.js';

/** One sweeper pass, committed, with the nodes it marked offline handed to the discovery snapshot. */
export async function sweepOnce(mesh: MeshContext): Promise<SweepResult> {
  const { result, views } = await mesh.database.write(async (tx) => {
    const result = await sweep(tx, mesh.clock.now(), {
      offlineAfterMs: mesh.config.offlineAfterMs,
      heartbeatRetentionMs: mesh.config.heartbeatRetentionMs,
      startedAt: mesh.startedAt,
    });
    const views = await Promise.all(result.wentOffline.map(async (id) => [id, await readNodeView(tx, id)] as const));
    return { result, views };
  });
  for (const [id, view] of views) mesh.registry.putNode(id, view);
  return result;
}

/** Runs the sweeper every MESH_SWEEP_INTERVAL_MS; a failed pass is logged and the next one tries again. */
export function startSweeper(mesh: MeshContext, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepOnce(mesh).then(
      (result) => {
        if (result.wentOffline.length > 0) logger.info(`offline after ${mesh.config.offlineAfterMs} ms of silence: ${result.wentOffline.join(', ')}`);
      },
      (error: unknown) => logger.error('health sweep failed', error),
    );
  }, mesh.config.sweepIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
