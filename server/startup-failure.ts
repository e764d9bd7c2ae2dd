import { DatabaseLocationError } from '../db/location.js';
import type { MeshConfig } from './config.js';
import { ConfigError } from './config.js';

/** mesh's exit codes when it cannot start, so a supervisor (and its operator) can tell them apart. */
export const STARTUP_EXIT = {
  unexpected: 1,
  config: 2,
  listen: 3,
  host: 4,
  database: 5,
} as const;

/** Thrown by the database layer when SQLite cannot open or migrate the file. */
const DATABASE_OPEN_FAILURE = /^cannot open the mesh database/;

/**
 * One line an operator can act on (the cause, and the variable or file to change) and the exit
 * code, for the failures a configuration or a host causes. Anything else is a defect of mesh and
 * keeps its detail (null message).
 */
export function describeStartupFailure(
  error: unknown,
  config: MeshConfig | undefined,
): { message: string; exitCode: number } | null {
  if (error instanceof ConfigError) return { message: error.message, exitCode: STARTUP_EXIT.config };
  if (error instanceof DatabaseLocationError) return { message: error.message, exitCode: STARTUP_EXIT.database };
  if (!(error instanceof Error)) return null;
  if (DATABASE_OPEN_FAILURE.test(error.message)) {
    return { message: `${error.message.split('\n')[0]} (MESH_DB_PATH / MESH_DB_URL)`, exitCode: STARTUP_EXIT.database };
  }
  const code = (error as NodeJS.ErrnoException).code;
  const where = config ? `${config.host}:${config.port}` : 'the configured address';
  switch (code) {
    case 'EADDRINUSE':
      return {
        message: `port ${config?.port ?? ''} is already in use on ${config?.host ?? 'this host'} (MESH_PORT): stop what listens there, or choose another port`,
        exitCode: STARTUP_EXIT.listen,
      };
    case 'EACCES':
      return {
        message: `no permission to listen on ${where} (MESH_PORT): ports below 1024 need privileges`,
        exitCode: STARTUP_EXIT.listen,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return {
        message: `MESH_HOST "${config?.host ?? ''}" does not resolve to an address (${code}): give an IP address or a resolvable name`,
        exitCode: STARTUP_EXIT.host,
      };
    case 'EADDRNOTAVAIL':
      return {
        message: `MESH_HOST ${config?.host ?? ''} is not an address of this machine (EADDRNOTAVAIL): is its interface (Tailscale) up?`,
        exitCode: STARTUP_EXIT.host,
      };
    default:
      return null;
  }
}
