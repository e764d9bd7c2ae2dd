/**
 * Limits a client must know to stay within them: the server refuses more, and the SDK and the
 * dashboard configure their links with them.
 */

/** Calls one tRPC batch (an HTTP request with ?batch=1, or one WebSocket message) may carry. */
export const MAX_BATCH_CALLS = 10;

/** Subscriptions (events.watch) one WebSocket connection may hold at once. */
export const WS_MAX_SUBSCRIPTIONS = 16;
