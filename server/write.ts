import type { Tx } from '../db/database.js';
import type { MeshContext } from './context.js';
import { eventsWrittenIn } from './events/log.js';
import { touchesIn } from './registry/touches.js';

/**
 * Every write goes through here: `work` runs in one write transaction, and once that has committed,
 * the events and heartbeat touches it recorded reach the discovery snapshot and the watchers before
 * the caller hears back, so a client reads its own writes.
 */
export async function writeAndPublish<T>(mesh: Pick<MeshContext, 'database' | 'hub'>, work: (tx: Tx) => Promise<T>): Promise<T> {
  const { value, events, touches } = await mesh.database.write(async (tx) => {
    const value = await work(tx);
    return { value, events: eventsWrittenIn(tx), touches: touchesIn(tx) };
  });
  await mesh.hub.publish(events, touches);
  return value;
}
