import { count, eq } from 'drizzle-orm';
import type { SovereignAddFields, SovereignRemoveFields } from '../../shared/requests.js';
import type { SovereignResult, SovereignView } from '../../shared/responses.js';
import type { Db, Tx } from '../../db/database.js';
import { sovereignKeys, type SovereignKeyRow } from '../../db/schema.js';
import { SYSTEM_ACTOR } from '../../shared/events.js';
import { MeshError } from '../errors.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';

export function sovereignView(row: SovereignKeyRow): SovereignView {
  return { public_key: row.publicKey, description: row.description, added_at: row.addedAt, added_by: row.addedBy };
}

export async function readSovereignView(tx: Db | Tx, publicKey: string): Promise<SovereignView | null> {
  const [row] = await tx.select().from(sovereignKeys).where(eq(sovereignKeys.publicKey, publicKey));
  return row ? sovereignView(row) : null;
}

export async function readAllSovereignViews(db: Db | Tx): Promise<SovereignView[]> {
  return (await db.select().from(sovereignKeys)).map(sovereignView);
}

/** A valid signature by a key that is not a sovereign's may not decide anything. */
export async function requireSovereign(tx: Tx, publicKey: string): Promise<void> {
  if (!(await readSovereignView(tx, publicKey))) {
    throw new MeshError('NOT_SOVEREIGN', 'the signing key is not a sovereign key: only sovereigns may do this');
  }
}

export async function addSovereign(
  tx: Tx,
  record: WriteRecord,
  request: SovereignAddFields,
  now: number,
): Promise<SovereignResult> {
  if (await readSovereignView(tx, request.publicKey)) {
    throw new MeshError('SOVEREIGN_EXISTS', 'this key is already a sovereign key');
  }
  await tx.insert(sovereignKeys).values({
    publicKey: request.publicKey,
    description: request.description,
    addedAt: now,
    addedBy: request.approverPublicKey,
  });
  const sovereign = await readSovereignView(tx, request.publicKey);
  await appendEvent(
    tx,
    record,
    { type: 'sovereign.added', actor: request.approverPublicKey, publicKey: request.publicKey, sovereign },
    now,
  );
  return { success: true, publicKey: request.publicKey, message: 'Sovereign key added.' };
}

export async function removeSovereign(
  tx: Tx,
  record: WriteRecord,
  request: SovereignRemoveFields,
  now: number,
): Promise<SovereignResult> {
  if (!(await readSovereignView(tx, request.publicKey))) {
    throw new MeshError('SOVEREIGN_NOT_FOUND', 'this key is not a sovereign key');
  }
  const [total] = await tx.select({ n: count() }).from(sovereignKeys);
  if ((total?.n ?? 0) <= 1) {
    throw new MeshError('LAST_SOVEREIGN', 'the last sovereign key cannot be removed: add another one first');
  }
  await tx.delete(sovereignKeys).where(eq(sovereignKeys.publicKey, request.publicKey));
  await appendEvent(
    tx,
    record,
    { type: 'sovereign.removed', actor: request.approverPublicKey, publicKey: request.publicKey, sovereign: null },
    now,
  );
  return { success: true, publicKey: request.publicKey, message: 'Sovereign key removed.' };
}

/**
 * Adds a sovereign key on the host, without a signature: the way the first key gets in. Returns
 * false when the key is already there.
 */
export async function bootstrapSovereign(
  tx: Tx,
  record: WriteRecord,
  publicKey: string,
  description: string,
  now: number,
): Promise<boolean> {
  const inserted = await tx
    .insert(sovereignKeys)
    .values({ publicKey, description, addedAt: now, addedBy: null })
    .onConflictDoNothing();
  if (inserted.rowsAffected === 0) return false;
  const sovereign = await readSovereignView(tx, publicKey);
  await appendEvent(tx, record, { type: 'sovereign.added', actor: SYSTEM_ACTOR, publicKey, sovereign }, now);
  return true;
}

export async function countSovereigns(tx: Db | Tx): Promise<number> {
  const [total] = await tx.select({ n: count() }).from(sovereignKeys);
  return total?.n ?? 0;
}

/**
 * The way back when every sovereign key is lost: on the host, removes every sovereign key and adds
 * `publicKey` as the only one, each step an event by `system` in the audit log. Returns the keys
 * removed.
 */
export async function replaceAllSovereigns(
  tx: Tx,
  record: WriteRecord,
  publicKey: string,
  description: string,
  now: number,
): Promise<string[]> {
  const removed = (await tx.select({ publicKey: sovereignKeys.publicKey }).from(sovereignKeys)).map((row) => row.publicKey);
  for (const key of removed) {
    await tx.delete(sovereignKeys).where(eq(sovereignKeys.publicKey, key));
    await appendEvent(tx, record, { type: 'sovereign.removed', actor: SYSTEM_ACTOR, publicKey: key, sovereign: null }, now);
  }
  await bootstrapSovereign(tx, record, publicKey, description, now);
  return removed;
}
