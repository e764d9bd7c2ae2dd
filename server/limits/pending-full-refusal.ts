import type { MeshContext } from '../context.js';
import { notePendingFull } from '../services/pending-full.js';
import { writeAndPublish } from '../write.js';

/**
 * After a registration refused with PENDING_FULL has rolled back: marks mesh full (once: a
 * mesh.pending-full event) in a write of its own. The client hears PENDING_FULL whatever happens
 * here: a failed write is tried again on the next refusal.
 */
export async function notePendingFullRefusal(
  mesh: Pick<MeshContext, 'database' | 'hub' | 'clock' | 'config' | 'pendingFullNotes'>,
): Promise<void> {
  const now = mesh.clock.now();
  if (!mesh.pendingFullNotes.shouldCheck(now)) return;
  const full = await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
    notePendingFull(tx, record, mesh.config.maxPending, now),
  ).catch(() => false);
  if (full) mesh.pendingFullNotes.markedFull(now);
}
