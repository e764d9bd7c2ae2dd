import { eq } from 'drizzle-orm';
import { SIGNED_AFTER_KEY } from '../../db/backup.js';
import type { Db } from '../../db/database.js';
import { meshMeta } from '../../db/schema.js';

/**
 * The restore floor: signed requests whose timestamp is not after it are refused, from every key
 * (0 when the database was never restored). `mesh restore` sets it, and it only ever rises.
 */
export async function readSignedAfter(db: Db): Promise<number> {
  const [row] = await db.select({ value: meshMeta.value }).from(meshMeta).where(eq(meshMeta.key, SIGNED_AFTER_KEY));
  return row?.value ?? 0;
}
