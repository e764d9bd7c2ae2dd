import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { signerClocks } from '../../db/schema.js';
import { MeshError } from '../errors.js';

/**
 * Accepts `timestamp` from `publicKey` only if it is later than every timestamp accepted from that
 * key before, and records it. One conditional upsert, so two requests racing with one timestamp
 * cannot both pass, and the record is in the database, so a restart forgets nothing.
 */
export async function acceptTimestamp(tx: Tx, publicKey: string, timestamp: number): Promise<void> {
  const result = await tx
    .insert(signerClocks)
    .values({ publicKey, lastTimestamp: timestamp })
    .onConflictDoUpdate({
      target: signerClocks.publicKey,
      set: { lastTimestamp: sql`excluded.last_timestamp` },
      setWhere: sql`excluded.last_timestamp > ${signerClocks.lastTimestamp}`,
    });
  if (result.rowsAffected === 0) {
    throw new MeshError(
      'REPLAYED_TIMESTAMP',
      'timestamp is not later than the last one accepted from this key: each signed request needs a new, increasing timestamp',
    );
  }
}
