import { and, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvents } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';

// SQLite takes a bounded number of parameters: long lists go in chunks.
const CHUNK = 500;

/**
 * Removes the registrations still pending that were made before `registeredBefore`: nobody decided
 * on them, and each holds a place under MESH_MAX_PENDING. One node.expired event each, by `system`;
 * the node may register again (its agent does so when its heartbeat meets NODE_NOT_FOUND).
 */
export async function expirePending(tx: Tx, record: WriteRecord, now: number, registeredBefore: number): Promise<string[]> {
  const rows = await tx
    .delete(nodes)
    .where(and(eq(nodes.status, 'pending'), lt(nodes.registeredAt, registeredBefore)))
    .returning({ id: nodes.id, publicKey: nodes.publicKey });
  const events = rows.map((row) => ({
    type: 'node.expired' as const,
    actor: SYSTEM_ACTOR,
    nodeId: row.id,
    publicKey: row.publicKey,
    node: null,
  }));
  for (let start = 0; start < events.length; start += CHUNK)
    await appendEvents(tx, record, events.slice(start, start + CHUNK), now);
  return rows.map((row) => row.id);
}
