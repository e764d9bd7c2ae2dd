/**
 * Limits a client must know to stay within them: the server refuses more, and the SDK and the
 * dashboard configure their links with them.
 */

/** Calls one tRPC batch (an HTTP request with ?batch=1, or one WebSocket message) may carry. */
export const MAX_BATCH_CALLS = 10;

/** Bytes of a batch's answer past which mesh refuses its later calls (ANSWER_TOO_LARGE); the first is always answered. */
export const MAX_BATCH_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * Queries whose answers grow with the network: clients send them in requests of their own, since
 * on a large network one of them alone can fill a batch's answer.
 */
export const UNBATCHED_QUERIES: ReadonlySet<string> = new Set(['node.list', 'node.topology', 'events.list']);

/** Subscriptions (events.watch) one WebSocket connection may hold at once. */
export const WS_MAX_SUBSCRIPTIONS = 16;
