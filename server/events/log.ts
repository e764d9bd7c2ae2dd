import { and, asc, eq, gt, inArray, isNotNull, lt, lte, max, notLike, sql } from 'drizzle-orm';
import { meshEventSchema, type EventFilter, type EventType, type MeshEvent } from '../../shared/events.js';
import type { NodeView, SovereignView } from '../../shared/responses.js';
import type { Db, Tx } from '../../db/database.js';
import { events, meshMeta, type EventRow } from '../../db/schema.js';
import type { WriteRecord } from './write-record.js';

const PRUNED_THROUGH = 'events_pruned_through';

/** The optional parts of an event, stored in its detail column: absent keys stay absent. */
const DETAIL_KEYS = [
  'reason',
  'selfPreservation',
  'rateLimited',
  'pendingFull',
  'regionConcentration',
  'identity',
  'identityChange',
  'decision',
  'keyRotation',
  'enrollmentKey',
  'admission',
] as const satisfies readonly (keyof MeshEvent)[];

type EventDetail = Pick<MeshEvent, (typeof DETAIL_KEYS)[number]>;

export interface NewEvent extends EventDetail {
  type: EventType;
  actor: string;
  nodeId?: string | undefined;
  /** Null only for events about mesh itself. */
  publicKey: string | null;
  node?: NodeView | null;
  sovereign?: SovereignView | null;
}

function detailOf(event: NewEvent): EventDetail {
  return Object.fromEntries(DETAIL_KEYS.flatMap((key) => (event[key] === undefined ? [] : [[key, event[key]]])));
}

/**
 * An event read back from the log, checked against its schema: the log outlives the code that wrote
 * it (another process, an older version), so what comes out of it is not taken on trust.
 */
function readEvent(row: EventRow): MeshEvent {
  const data: unknown = row.data === null ? null : JSON.parse(row.data);
  const isSovereign = row.type.startsWith('sovereign.');
  const detail: unknown = row.detail === null ? {} : JSON.parse(row.detail);
  return meshEventSchema.parse({
    ...(typeof detail === 'object' ? detail : {}),
    revision: row.revision,
    type: row.type,
    time: row.time,
    actor: row.actor,
    nodeId: row.nodeId,
    publicKey: row.publicKey,
    node: isSovereign ? null : data,
    sovereign: isSovereign ? data : null,
  });
}

/**
 * Appends events in the transaction of the change they record, in one statement, in order, and
 * notes them in `record` so whoever commits the transaction publishes them without reading them back.
 */
export async function appendEvents(
  tx: Tx,
  record: WriteRecord,
  newEvents: readonly NewEvent[],
  now: number,
): Promise<MeshEvent[]> {
  if (newEvents.length === 0) return [];
  const rows = await tx
    .insert(events)
    .values(
      newEvents.map((event) => {
        const data = event.node ?? event.sovereign ?? null;
        const detail = detailOf(event);
        return {
          time: now,
          type: event.type,
          actor: event.actor,
          nodeId: event.nodeId ?? null,
          publicKey: event.publicKey,
          data: data === null ? null : JSON.stringify(data),
          detail: Object.keys(detail).length === 0 ? null : JSON.stringify(detail),
        };
      }),
    )
    .returning({ revision: events.revision });
  // One row per event, in the order given: the events need not be read back, only numbered.
  const appended: MeshEvent[] = rows
    .map((row) => row.revision)
    .sort((a, b) => a - b)
    .map((revision, index) => {
      const event = newEvents[index] as NewEvent;
      return {
        revision,
        type: event.type,
        time: now,
        actor: event.actor,
        nodeId: event.nodeId ?? null,
        publicKey: event.publicKey,
        node: event.node ?? null,
        sovereign: event.sovereign ?? null,
        ...detailOf(event),
      };
    });
  record.events.push(...appended);
  return appended;
}

/** Appends one event in the transaction of the change it records. */
export async function appendEvent(tx: Tx, record: WriteRecord, event: NewEvent, now: number): Promise<MeshEvent> {
  const [appended] = await appendEvents(tx, record, [event], now);
  if (!appended) throw new Error('the events log returned no row for an insert');
  return appended;
}

function filterConditions(filter: EventFilter) {
  return [
    filter.types && filter.types.length > 0 ? inArray(events.type, filter.types) : undefined,
    filter.nodeId ? eq(events.nodeId, filter.nodeId) : undefined,
  ];
}

export async function readEventsAfter(
  db: Db | Tx,
  revision: number,
  limit: number,
  filter: EventFilter = {},
): Promise<MeshEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(gt(events.revision, revision), ...filterConditions(filter)))
    .orderBy(asc(events.revision))
    .limit(limit);
  return rows.map(readEvent);
}

export async function prunedThrough(db: Db | Tx): Promise<number> {
  const [row] = await db.select({ value: meshMeta.value }).from(meshMeta).where(eq(meshMeta.key, PRUNED_THROUGH));
  return row?.value ?? 0;
}

/** The newest revision: the last event's, or how far the log was pruned if it is empty. */
export async function currentRevision(db: Db | Tx): Promise<number> {
  const [row] = await db.select({ newest: max(events.revision) }).from(events);
  return Math.max(row?.newest ?? 0, await prunedThrough(db));
}

/**
 * Deletes events older than `before`, but none after `keepAfter` (the oldest revision a connected
 * watcher still has to read), and records how far the log now starts.
 */
export async function pruneEvents(tx: Tx, before: number, keepAfter: number): Promise<number> {
  const [edge] = await tx
    .select({ revision: max(events.revision) })
    .from(events)
    .where(and(lt(events.time, before), lte(events.revision, keepAfter)));
  const through = edge?.revision;
  if (through === null || through === undefined) return 0;
  const deleted = await tx.delete(events).where(lte(events.revision, through));
  await tx
    .insert(meshMeta)
    .values({ key: PRUNED_THROUGH, value: through })
    .onConflictDoUpdate({ target: meshMeta.key, set: { value: sql`max(${meshMeta.value}, excluded.value)` } });
  return deleted.rowsAffected;
}

/**
 * The nodes named by events after `after` up to `through`, each once, at most `limit` of them: what a
 * delta answer looks up in the discovery snapshot. A range of the primary key, so its cost follows
 * the events in the range, not the size of the log.
 */
export async function nodesChangedBetween(db: Db | Tx, after: number, through: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ nodeId: events.nodeId })
    .from(events)
    .where(
      and(
        gt(events.revision, after),
        lte(events.revision, through),
        isNotNull(events.nodeId),
        notLike(events.type, 'sovereign.%'),
      ),
    )
    .limit(limit);
  return rows.flatMap((row) => (row.nodeId === null ? [] : [row.nodeId]));
}
