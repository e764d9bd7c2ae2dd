import { sql, type SQL } from 'drizzle-orm';
import type { NodeView, ServiceView } from '../../shared/responses.js';
import type { Db, Tx } from '../../db/database.js';

// SQLite builds each node's view (the seed's snake_case fields, services in their listed order) as
// one JSON text: one statement for any number of nodes, and one small string per node to parse,
// instead of a row object per node and per service. json() keeps the services array an array
// when it comes out of the subquery. The field list is typed against the NodeView schema, so the
// SQL cannot drift from the shape discovery promises: a field added to one and not the other does
// not compile.
const SERVICE_VIEW_COLUMNS = {
  type: sql`s.service_type`,
  port: sql`s.port`,
  publicKey: sql`s.public_key`,
  // Probe results live in memory only (server/probes/): the database knows no service's health.
  health: sql`json_object('status', 'unknown', 'checkedAt', NULL, 'latencyMs', NULL)`,
} satisfies Record<keyof ServiceView, SQL>;

const NODE_VIEW_COLUMNS = {
  id: sql`n.id`,
  public_key: sql`n.public_key`,
  tailscale_hostname: sql`n.tailscale_hostname`,
  tailscale_ip: sql`n.tailscale_ip`,
  status: sql`n.status`,
  registered_at: sql`n.registered_at`,
  approved_at: sql`n.approved_at`,
  approved_by: sql`n.approved_by`,
  last_heartbeat: sql`n.last_heartbeat`,
  region: sql`n.region`,
  zone: sql`n.zone`,
  services: sql`json((
      SELECT json_group_array(json_object(${jsonPairs(SERVICE_VIEW_COLUMNS)}))
      FROM (SELECT * FROM services WHERE node_id = n.id ORDER BY position) AS s
    ))`,
  // The shares are computed from the rollup in memory (services/uptime.ts) and laid over the view by
  // the registry; the database row knows only when the node was first seen.
  uptime: sql`json_object('hour', NULL, 'day', NULL, 'week', NULL, 'missed', 0, 'regularity', NULL, 'firstSeen', n.first_seen)`,
  reputation: sql`NULL`,
} satisfies Record<keyof NodeView, SQL>;

function jsonPairs(columns: Record<string, SQL>): SQL {
  return sql.join(
    Object.entries(columns).map(([name, value]) => sql`${sql.raw(`'${name}'`)}, ${value}`),
    sql`, `,
  );
}

const NODE_VIEW_SQL = sql`SELECT json_object(${jsonPairs(NODE_VIEW_COLUMNS)}) AS view FROM nodes AS n`;

async function queryViews(db: Db | Tx, where?: SQL): Promise<NodeView[]> {
  const rows = await db.all<{ view: string }>(where ? sql`${NODE_VIEW_SQL} WHERE ${where}` : NODE_VIEW_SQL);
  return rows.map((row) => JSON.parse(row.view) as NodeView);
}

/** One node as discovery shows it, or null when there is no such node. */
export async function readNodeView(db: Db | Tx, nodeId: string): Promise<NodeView | null> {
  const [view] = await queryViews(db, sql`n.id = ${nodeId}`);
  return view ?? null;
}

/** Some nodes as discovery shows them, in one statement. */
export async function readNodeViews(db: Db | Tx, nodeIds: readonly string[]): Promise<NodeView[]> {
  if (nodeIds.length === 0) return [];
  return queryViews(
    db,
    sql`n.id IN (${sql.join(
      nodeIds.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
}

const LOAD_PAGE = 5_000;

/**
 * Every node as discovery shows it, a page of nodes per statement: the text of a page is garbage
 * as soon as it is parsed, so loading 100,000 nodes never holds all their JSON at once (the peak
 * of a load is what the process keeps as resident memory). Call it inside a read transaction for
 * a consistent view.
 */
export async function readAllNodeViews(db: Db | Tx): Promise<NodeView[]> {
  const views: NodeView[] = [];
  for (;;) {
    const after = views.at(-1)?.id;
    const page = await queryViews(
      db,
      after === undefined ? sql`1 = 1 ORDER BY n.id LIMIT ${LOAD_PAGE}` : sql`n.id > ${after} ORDER BY n.id LIMIT ${LOAD_PAGE}`,
    );
    views.push(...page);
    if (page.length < LOAD_PAGE) return views;
  }
}
