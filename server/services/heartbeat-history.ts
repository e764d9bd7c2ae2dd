import { and, desc, eq, gte } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { heartbeats } from '../../db/schema.js';

/**
 * A node's heartbeats since `windowStart`, newest `limit` of them, returned oldest first. Rows older
 * than the window wait for the sweeper's next batch: they are never shown.
 */
export async function readHeartbeatHistory(
  db: Db,
  nodeId: string,
  limit: number,
  windowStart: number,
): Promise<{ heartbeats: Array<{ time: number; tailscaleIp: string | null }>; truncated: boolean }> {
  const rows = await db
    .select({ time: heartbeats.timestamp, tailscaleIp: heartbeats.tailscaleIp })
    .from(heartbeats)
    .where(and(eq(heartbeats.nodeId, nodeId), gte(heartbeats.timestamp, windowStart)))
    .orderBy(desc(heartbeats.timestamp), desc(heartbeats.id))
    .limit(limit + 1);
  const truncated = rows.length > limit;
  return { heartbeats: rows.slice(0, limit).reverse(), truncated };
}
