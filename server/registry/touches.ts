import type { Tx } from '../../db/database.js';
import type { HeartbeatTouch } from '../events/hub.js';

// Heartbeats a transaction recorded that changed nothing but the time: no event, but the snapshot's
// last_heartbeat should still move once the transaction has committed.
const touches = new WeakMap<Tx, HeartbeatTouch[]>();

export function recordTouch(tx: Tx, touch: HeartbeatTouch): void {
  const list = touches.get(tx);
  if (list) list.push(touch);
  else touches.set(tx, [touch]);
}

export function touchesIn(tx: Tx): HeartbeatTouch[] {
  return touches.get(tx) ?? [];
}
