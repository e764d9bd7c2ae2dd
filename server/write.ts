import type { MeshDatabase, Tx } from '../db/database.js';
import type { EventHub } from './events/hub.js';
import { WriteRecord } from './events/write-record.js';

/** The work of one write transaction: it records its events and touches in `record`. */
export type WriteWork<T> = (tx: Tx, record: WriteRecord) => Promise<T>;

/**
 * Every write goes through here: `work` runs in one write transaction, and once that has committed,
 * the events and heartbeat touches it recorded reach the discovery snapshot and the watchers before
 * the caller hears back, so a client reads its own writes.
 */
export async function writeAndPublish<T>(database: MeshDatabase, hub: EventHub, work: WriteWork<T>): Promise<T> {
  const { value, record } = await database.write(async (tx) => {
    const record = new WriteRecord();
    return { value: await work(tx, record), record };
  });
  await hub.publish(record);
  return value;
}
