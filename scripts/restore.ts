/**
 * Puts a backup back as mesh's database, on the host, with mesh stopped:
 *
 *   mesh restore <file>       (or: npm run restore -- <file>)
 *
 * It writes the database of MESH_DB_PATH (keeping the one it replaces beside it) and refuses a file
 * that is not a mesh database or was made by a newer mesh.
 */
import { restoreDatabase } from '../db/backup.js';
import { databaseUrl } from '../db/database.js';
import { checkDatabaseLocation } from '../db/location.js';
import { loadConfig } from '../server/config.js';
import { HOST_EXIT, HostCommandError, runHostCommand } from './host-command.js';

const USAGE = 'mesh restore <file>   (replaces the database of MESH_DB_PATH; stop mesh first)';
const PROBE_TIMEOUT_MS = 1_000;

/** Whether a mesh answers on the configured address: restoring under a running mesh would lose the restore. */
async function meshAnswers(host: string, port: number): Promise<boolean> {
  const address = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  try {
    const response = await fetch(`http://${address.includes(':') ? `[${address}]` : address}:${port}/health`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const body = (await response.json()) as { service?: unknown };
    return body.service === 'mesh';
  } catch {
    return false;
  }
}

runHostCommand('mesh restore', USAGE, async (args) => {
  if (args.length !== 1 || args[0]?.startsWith('-')) {
    if (args[0] === '--help' || args[0] === '-h') {
      process.stdout.write(`usage: ${USAGE}\n`);
      return HOST_EXIT.ok;
    }
    throw new HostCommandError('give the backup file to restore, and nothing else', HOST_EXIT.usage);
  }
  const config = loadConfig();
  const url = databaseUrl({ url: config.dbUrl, path: config.dbPath });
  checkDatabaseLocation(url, config.dbUrl ? 'MESH_DB_URL' : 'MESH_DB_PATH');
  if (await meshAnswers(config.host, config.port)) {
    throw new HostCommandError(`a mesh is running on port ${config.port} (MESH_PORT): stop it before restoring its database`);
  }
  const now = Date.now();
  // The lost database accepted timestamps up to MESH_MAX_FUTURE_SKEW_MS ahead of its clock: the
  // floor covers those too (see README, A standby with Litestream).
  const signedAfter = now + config.maxFutureSkewMs;
  const { restored, previous } = await restoreDatabase(args[0] as string, url, now, signedAfter);
  process.stdout.write(
    `restored ${args[0]} to ${restored.file}: revision ${restored.revision}, ${restored.nodes} nodes, ${restored.sovereigns} sovereign keys` +
      `${previous ? `; the replaced database is kept as ${previous}` : ''}; ` +
      `signed requests with a timestamp up to ${new Date(signedAfter).toISOString()} are refused as replays\n`,
  );
  return HOST_EXIT.ok;
});
