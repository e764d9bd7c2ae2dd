import type { MeshEvent } from '../../shared/events.js';

/** A heartbeat that changed nothing but the time: no event, but the snapshot's last_heartbeat moves. */
export interface HeartbeatTouch {
  nodeId: string;
  at: number;
}

/**
 * What one write transaction recorded, handed to the work by the write path and published by it
 * once the transaction has committed, so nothing reaches discovery or the watchers before it is durable.
 */
export class WriteRecord {
  readonly events: MeshEvent[] = [];
  readonly touches: HeartbeatTouch[] = [];
}
