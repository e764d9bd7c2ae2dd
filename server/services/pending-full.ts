import { count, eq } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { meshMeta, nodes } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';

/**
 * Whether the last mesh.pending-full event said full (1) or not (0), kept in mesh_meta so that
 * every process and every restart agrees on it: events are written on changes of it only.
 */
const PENDING_FULL = 'pending_full';

async function isMarkedFull(tx: Tx): Promise<boolean> {
  const [row] = await tx.select({ value: meshMeta.value }).from(meshMeta).where(eq(meshMeta.key, PENDING_FULL));
  return row?.value === 1;
}

async function pendingCount(tx: Tx): Promise<number> {
  const [row] = await tx.select({ pending: count() }).from(nodes).where(eq(nodes.status, 'pending'));
  return row?.pending ?? 0;
}

async function mark(tx: Tx, record: WriteRecord, full: boolean, cap: number, pending: number, now: number): Promise<void> {
  const value = full ? 1 : 0;
  await tx.insert(meshMeta).values({ key: PENDING_FULL, value }).onConflictDoUpdate({ target: meshMeta.key, set: { value } });
  await appendEvent(
    tx,
    record,
    { type: 'mesh.pending-full', actor: SYSTEM_ACTOR, publicKey: null, pendingFull: { full, cap, pending } },
    now,
  );
}

/**
 * After a registration was refused with PENDING_FULL (in a transaction of its own: the refused one
 * rolled back): a mesh.pending-full event with `full: true`, unless one already says so; true when mesh is marked full.
 */
export async function notePendingFull(tx: Tx, record: WriteRecord, maxPending: number, now: number): Promise<boolean> {
  if (await isMarkedFull(tx)) return true;
  const pending = await pendingCount(tx);
  if (pending < maxPending) return false;
  await mark(tx, record, true, maxPending, pending, now);
  return true;
}

/**
 * In the transaction of a change that may free a pending place (a decision, a removal, expiry):
 * a mesh.pending-full event with `full: false` once the count is under the cap again after a
 * `full: true` one. A key lookup while mesh is not marked full.
 */
export async function notePendingFreed(tx: Tx, record: WriteRecord, maxPending: number, now: number): Promise<boolean> {
  if (!(await isMarkedFull(tx))) return false;
  const pending = await pendingCount(tx);
  if (pending >= maxPending) return false;
  await mark(tx, record, false, maxPending, pending, now);
  return true;
}
