import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket upgrade may proceed, by its Origin. Browsers send Origin on every WebSocket
 * and let any page open one to any address it can reach, so without this check a page opened by
 * anyone on the tailnet could drive mesh from a visitor's browser. Programs (the SDK, wscat) send
 * no Origin and are not browsers: they pass. A browser passes from mesh's own origin (the host it
 * asked for, whatever the scheme a proxy in front added) or from one listed in MESH_ALLOWED_ORIGINS.
 */
export function originAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const normalised = origin.trim().toLowerCase();
  if (allowedOrigins.includes(normalised)) return true;
  let host: string;
  try {
    host = new URL(normalised).host;
  } catch {
    // "null" (a sandboxed frame, a file: page) and anything else that is no URL.
    return false;
  }
  return host !== '' && host === req.headers.host?.trim().toLowerCase();
}
