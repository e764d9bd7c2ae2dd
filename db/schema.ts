import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { DECISION_KINDS } from '../shared/decisions.js';
import { NODE_STATUSES } from '../shared/fields.js';

const statusList = sql.raw(NODE_STATUSES.map((status) => `'${status}'`).join(', '));

// The seed design's four tables with its column names, plus signer_clocks for replay protection.
// Every time is milliseconds since the Unix epoch.

export const nodes = sqliteTable(
  'nodes',
  {
    id: text('id').primaryKey(),
    publicKey: text('public_key').notNull(),
    tailscaleHostname: text('tailscale_hostname').notNull(),
    tailscaleIp: text('tailscale_ip'),
    status: text('status', { enum: NODE_STATUSES }).notNull(),
    registeredAt: integer('registered_at').notNull(),
    approvedAt: integer('approved_at'),
    approvedBy: text('approved_by'),
    lastHeartbeat: integer('last_heartbeat'),
    // The first heartbeat mesh ever accepted from the node: kept on the node, as the rollup below is pruned.
    firstSeen: integer('first_seen'),
    registrationSignature: text('registration_signature').notNull(),
    // Where the node runs, as it declared at registration or a sovereign corrected it; null when unknown.
    region: text('region'),
    zone: text('zone'),
  },
  (table) => [
    uniqueIndex('nodes_public_key_unique').on(table.publicKey),
    index('nodes_status_idx').on(table.status),
    check('nodes_status_check', sql`${table.status} in (${statusList})`),
  ],
);

export const services = sqliteTable(
  'services',
  {
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    serviceType: text('service_type').notNull(),
    port: integer('port').notNull(),
    publicKey: text('public_key'),
    // Keeps the order the node listed its services in, which its signed message covers.
    position: integer('position').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.nodeId, table.serviceType, table.port] }),
    index('services_type_idx').on(table.serviceType),
  ],
);

export const heartbeats = sqliteTable(
  'heartbeats',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    timestamp: integer('timestamp').notNull(),
    tailscaleIp: text('tailscale_ip'),
  },
  // No index on timestamp: ids grow with time, so retention prunes by id range (see
  // services/sweeper.ts), and every heartbeat saves updating a second index.
  (table) => [index('heartbeats_node_time_idx').on(table.nodeId, table.timestamp)],
);

/**
 * The compact heartbeat rollup uptime is computed from: per node and hour, a bitmap of the minutes
 * (bit m, 0..59) in which mesh accepted a heartbeat from it. One upsert per heartbeat batch keeps it;
 * raw heartbeat rows need not outlive the dashboard's short history.
 *
 * At a million nodes this is what the database grows by (24 rows per node and day, kept for
 * MESH_UPTIME_RETENTION_MS), so each row is stored once: migration 0012 makes the table WITHOUT
 * ROWID (which drizzle cannot declare), the row its own primary-key entry, and there is no index on
 * hour: pruning seeks each node's oldest hours through the primary key (services/uptime-rollup.ts).
 */
export const nodeUptimeHours = sqliteTable(
  'node_uptime_hours',
  {
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    /** Hours since the Unix epoch. */
    hour: integer('hour').notNull(),
    minutes: integer('minutes').notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.hour] })],
);

/** The same bitmap for mesh itself: the minutes in which it ran, so that its own downtime is nobody's missed heartbeat. */
export const meshUptimeHours = sqliteTable('mesh_uptime_hours', {
  hour: integer('hour').primaryKey(),
  minutes: integer('minutes').notNull(),
});

export const sovereignKeys = sqliteTable('sovereign_keys', {
  publicKey: text('public_key').primaryKey(),
  description: text('description').notNull().default(''),
  addedAt: integer('added_at').notNull(),
  // The sovereign who signed the addition; null for keys bootstrapped on the host.
  addedBy: text('added_by'),
});

/**
 * Signatures of sovereign decisions still short of MESH_QUORUM: one row per sovereign and
 * decision (kind, target, and the key the decision is bound to). Rows go when the decision takes
 * effect, when they leave MESH_QUORUM_WINDOW_MS, or when what they are about changed.
 */
export const decisionSignatures = sqliteTable(
  'decision_signatures',
  {
    kind: text('kind', { enum: DECISION_KINDS }).notNull(),
    target: text('target').notNull(),
    targetKey: text('target_key').notNull(),
    // What the decision would set, when its kind sets something (force-rotate: the new node key):
    // part of the decision, so signatures for different values never add up. Null otherwise.
    value: text('value'),
    signer: text('signer').notNull(),
    signedAt: integer('signed_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.kind, table.target, table.targetKey, table.signer] }),
    index('decision_signatures_signed_at_idx').on(table.signedAt),
    index('decision_signatures_target_idx').on(table.target),
  ],
);

/** Per signing key, the last timestamp mesh accepted from it: a signed request is never accepted twice. */
export const signerClocks = sqliteTable('signer_clocks', {
  publicKey: text('public_key').primaryKey(),
  lastTimestamp: integer('last_timestamp').notNull(),
});

/**
 * What tailscaled's WhoIs said of a node's TCP peer address at its last identity check
 * (MESH_IDENTITY, server/identity/): one row per node, replaced at each check, gone with the node.
 */
export const nodeIdentities = sqliteTable(
  'node_identities',
  {
    nodeId: text('node_id')
      .primaryKey()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    // match, mismatch or error; code names the first failed check (a mesh error code), null on a match.
    result: text('result').notNull(),
    code: text('code'),
    reason: text('reason').notNull(),
    // The TCP peer address the request came from, the address WhoIs was asked about.
    peerAddress: text('peer_address').notNull(),
    // From tailscale's WhoIsResponse: Node.StableID, Node.Key, Node.Name, Node.Tags (JSON), UserProfile.LoginName.
    stableId: text('stable_id'),
    nodeKey: text('node_key'),
    nodeName: text('node_name'),
    tags: text('tags').notNull().default('[]'),
    userLogin: text('user_login'),
    checkedAt: integer('checked_at').notNull(),
  },
  (table) => [index('node_identities_peer_idx').on(table.peerAddress, table.checkedAt)],
);

/**
 * Enrollment keys (README, Enrollment keys): only the SHA-256 of each secret is kept. `uses` counts
 * the nodes a key admitted, raised in the registration's own transaction.
 */
export const enrollmentKeys = sqliteTable(
  'enrollment_keys',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull(),
    note: text('note').notNull().default(''),
    // JSON array of strings.
    tags: text('tags').notNull().default('[]'),
    maxUses: integer('max_uses').notNull(),
    uses: integer('uses').notNull().default(0),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
    // The sovereign who signed the creation: nodes the key admits are approved in its name.
    createdBy: text('created_by').notNull(),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (table) => [uniqueIndex('enrollment_keys_secret_hash_unique').on(table.secretHash)],
);

export type NodeRow = typeof nodes.$inferSelect;
export type SovereignKeyRow = typeof sovereignKeys.$inferSelect;
export type NodeIdentityRow = typeof nodeIdentities.$inferSelect;
export type DecisionSignatureRow = typeof decisionSignatures.$inferSelect;
export type EnrollmentKeyRow = typeof enrollmentKeys.$inferSelect;

/**
 * The events log: one row per state change, written in the transaction of the change. AUTOINCREMENT
 * makes SQLite never reuse a revision, even after the newest rows are pruned, and SQLite's single
 * writer makes commit order the revision order, also across processes sharing the database.
 */
export const events = sqliteTable(
  'events',
  {
    revision: integer('revision').primaryKey({ autoIncrement: true }),
    time: integer('time').notNull(),
    type: text('type').notNull(),
    // The signing key, or 'system' for the sweeper and host-side bootstrap.
    actor: text('actor').notNull(),
    nodeId: text('node_id'),
    publicKey: text('public_key'),
    // The node or sovereign key as it is after the change (JSON), null once removed.
    data: text('data'),
    // What else the event says (JSON): the reason of a change mesh made itself, the figures of
    // self-preservation. Null for most events.
    detail: text('detail'),
  },
  (table) => [index('events_time_idx').on(table.time), index('events_node_idx').on(table.nodeId, table.revision)],
);

/** Small facts about the database itself, such as how far the events log has been pruned. */
export const meshMeta = sqliteTable('mesh_meta', {
  key: text('key').primaryKey(),
  value: integer('value').notNull(),
});

export type EventRow = typeof events.$inferSelect;

/**
 * Which mesh process leads, when several share the database: the one row (id 1) is taken and renewed
 * with one conditional upsert (see server/leader/lease.ts). `epoch` grows by one at every change of
 * holder: the fencing token every leader-only write checks inside its own transaction.
 */
export const meshLeader = sqliteTable('mesh_leader', {
  id: integer('id').primaryKey(),
  holder: text('holder').notNull(),
  epoch: integer('epoch').notNull(),
  expiresAt: integer('expires_at').notNull(),
});
