import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import { signerClocks } from '../../db/schema.js';
import { MeshError } from '../errors.js';

/**
 * Accepts each key's timestamp only if it is later than every timestamp accepted from that key
 * before, and records it; returns the keys accepted. One conditional upsert, so two requests racing
 * with one timestamp cannot both pass, and the record is in the database, so a restart forgets
 * nothing. The keys must be distinct: two timestamps of one key are judged one after the other.
 */
export async function acceptTimestamps(
  tx: Tx,
  entries: ReadonlyArray<{ publicKey: string; timestamp: number }>,
): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const accepted = await tx
    .insert(signerClocks)
    .values(entries.map(({ publicKey, timestamp }) => ({ publicKey, lastTimestamp: timestamp })))
    .onConflictDoUpdate({
      target: signerClocks.publicKey,
      set: { lastTimestamp: sql`excluded.last_timestamp` },
      setWhere: sql`excluded.last_timestamp > ${signerClocks.lastTimestamp}`,
    })
    .returning({ publicKey: signerClocks.publicKey });
  return new Set(accepted.map((row) => row.publicKey));
}

/** One signed request's timestamp: accepted, or REPLAYED_TIMESTAMP. */
export async function acceptTimestamp(tx: Tx, publicKey: string, timestamp: number): Promise<void> {
  const accepted = await acceptTimestamps(tx, [{ publicKey, timestamp }]);
  if (!accepted.has(publicKey)) throw replayedTimestamp();
}

export function replayedTimestamp(): MeshError {
  return new MeshError(
    'REPLAYED_TIMESTAMP',
    'timestamp is not later than the last one accepted from this key: each signed request needs a new, increasing timestamp',
  );
}
