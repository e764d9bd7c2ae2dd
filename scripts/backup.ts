/**
 * A consistent snapshot of the running mesh's database, taken on the host beside it:
 *
 *   mesh backup <file>        (or: npm run backup -- <file>)
 *
 * It reads MESH_DB_PATH / MESH_DB_URL as the server does; mesh keeps serving while it runs.
 */
import { backupDatabase } from '../db/backup.js';
import { databaseUrl } from '../db/database.js';
import { loadConfig } from '../server/config.js';
import { HOST_EXIT, HostCommandError, runHostCommand } from './host-command.js';

const USAGE = 'mesh backup <file>   (the database of MESH_DB_PATH / MESH_DB_URL, copied while mesh runs)';

runHostCommand('mesh backup', USAGE, async (args) => {
  if (args.length !== 1 || args[0]?.startsWith('-')) {
    if (args[0] === '--help' || args[0] === '-h') {
      process.stdout.write(`usage: ${USAGE}\n`);
      return HOST_EXIT.ok;
    }
    throw new HostCommandError('give the file to write, and nothing else', HOST_EXIT.usage);
  }
  const config = loadConfig();
  const started = performance.now();
  const backup = await backupDatabase(databaseUrl({ url: config.dbUrl, path: config.dbPath }), args[0] as string);
  process.stdout.write(
    `backup written to ${backup.file}: revision ${backup.revision}, ${backup.nodes} nodes, ${backup.sovereigns} sovereign keys, ${backup.bytes} bytes, in ${Math.round(performance.now() - started)} ms\n`,
  );
  return HOST_EXIT.ok;
});
