import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { heartbeats } from '../../db/schema.js';

/** A node's retained heartbeats, newest `limit` of them, returned oldest first. */
export async function readHeartbeatHistory(
  db: Db,
  nodeId: string,
  limit: number,
): Promise<{ heartbeats: Array<{ time: number; tailscaleIp: string | null }>; truncated: boolean }> {
  const rows = await db
    .select({ time: heartbeats.timestamp, tailscaleIp: heartbeats.tailscaleIp })
    .from(heartbeats)
    .where(eq(heartbeats.nodeId, nodeId))
    .orderBy(desc(heartbeats.timestamp), desc(heartbeats.id))
    .limit(limit + 1);
  const truncated = rows.length > limit;
  return { heartbeats: rows.slice(0, limit).reverse(), truncated };
}
