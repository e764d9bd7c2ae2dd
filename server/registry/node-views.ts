import { asc, eq } from 'drizzle-orm';
import type { NodeView, ServiceView } from '../../shared/responses.js';
import type { Db, Tx } from '../../db/database.js';
import { nodes, services, type NodeRow, type ServiceRow } from '../../db/schema.js';

function serviceView(row: ServiceRow): ServiceView {
  return { type: row.serviceType, port: row.port, publicKey: row.publicKey };
}

function nodeView(row: NodeRow, nodeServices: ServiceView[]): NodeView {
  return {
    id: row.id,
    public_key: row.publicKey,
    tailscale_hostname: row.tailscaleHostname,
    tailscale_ip: row.tailscaleIp,
    status: row.status,
    registered_at: row.registeredAt,
    approved_at: row.approvedAt,
    approved_by: row.approvedBy,
    last_heartbeat: row.lastHeartbeat,
    services: nodeServices,
  };
}

/** One node as discovery shows it, or null when there is no such node. */
export async function readNodeView(tx: Db | Tx, nodeId: string): Promise<NodeView | null> {
  const [row] = await tx.select().from(nodes).where(eq(nodes.id, nodeId));
  if (!row) return null;
  const rows = await tx.select().from(services).where(eq(services.nodeId, nodeId)).orderBy(asc(services.position));
  return nodeView(row, rows.map(serviceView));
}

/** Every node as discovery shows it, in two queries whatever the number of nodes. */
export async function readAllNodeViews(db: Db | Tx): Promise<NodeView[]> {
  const nodeRows = await db.select().from(nodes);
  const serviceRows = await db.select().from(services).orderBy(asc(services.nodeId), asc(services.position));
  const byNode = new Map<string, ServiceView[]>();
  for (const row of serviceRows) {
    const list = byNode.get(row.nodeId);
    if (list) list.push(serviceView(row));
    else byNode.set(row.nodeId, [serviceView(row)]);
  }
  return nodeRows.map((row) => nodeView(row, byNode.get(row.id) ?? []));
}
