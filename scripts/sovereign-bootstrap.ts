/**
 * Adds the first sovereign key, on the host, straight into the database: HTTP never adds a key
 * without an existing sovereign's signature, so the first one has to come from here (or from
 * MESH_SOVEREIGN_KEYS). Refuses once any sovereign key exists: further keys are added, signed, with
 * `mesh sovereign add`. With --recover, for when every sovereign key is lost, it replaces all of
 * them with the given key; the audit log records both steps as done by `system`.
 *
 *   npm run sovereign:bootstrap -- [--recover] <publicKeyHex> [description]
 */
import { z } from 'zod';
import { databaseUrl, openDatabase } from '../db/database.js';
import { checkDatabaseLocation, databaseFile } from '../db/location.js';
import { descriptionSchema, newPublicKeySchema } from '../shared/fields.js';
import { loadConfig } from '../server/config.js';
import { bootstrapSovereign, countSovereigns, replaceAllSovereigns } from '../server/services/sovereigns.js';
import { WriteRecord } from '../server/events/write-record.js';
import { describeIssues } from '../shared/issues.js';
import { HOST_EXIT, HostCommandError, runHostCommand } from './host-command.js';

const USAGE = `npm run sovereign:bootstrap -- <publicKeyHex> [description]
       npm run sovereign:bootstrap -- --recover <publicKeyHex> [description]
Adds the first sovereign key to the database of MESH_DB_PATH / MESH_DB_URL (a running mesh picks it
up within a second). --recover replaces every sovereign key with this one: only when all are lost.`;

const argsSchema = z.tuple([newPublicKeySchema, descriptionSchema.default('bootstrap sovereign')]);

runHostCommand('sovereign:bootstrap', USAGE, async (args) => {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return HOST_EXIT.ok;
  }
  const recover = args[0] === '--recover';
  const rest = recover ? args.slice(1) : args;
  if (rest.length === 0 || rest.length > 2)
    throw new HostCommandError('give one public key (64 hex characters) and optionally a description', HOST_EXIT.usage);
  const parsed = argsSchema.safeParse(rest.length === 1 ? [rest[0], undefined] : rest);
  if (!parsed.success) {
    // The arguments are a tuple: name its positions, so a problem reads "publicKey must be ...".
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: [issue.path[0] === 0 ? 'publicKey' : 'description'] }));
    throw new HostCommandError(describeIssues(issues, ' '), HOST_EXIT.usage);
  }
  const [publicKey, description] = parsed.data;
  const config = loadConfig();
  const url = databaseUrl({ url: config.dbUrl, path: config.dbPath });
  checkDatabaseLocation(url, config.dbUrl ? 'MESH_DB_URL' : 'MESH_DB_PATH');
  const where = databaseFile(url) ?? url.replace(/\?.*$/, '');
  const database = await openDatabase(url);
  try {
    if (recover) {
      const removed = await database.write((tx) =>
        replaceAllSovereigns(tx, new WriteRecord(), publicKey, description, Date.now()),
      );
      process.stdout.write(
        `${where}: removed ${removed.length} sovereign key(s), added ${publicKey} (${description}) as the only one; both recorded in the events log by system\n`,
      );
      return HOST_EXIT.ok;
    }
    const outcome = await database.write(async (tx) => {
      const existing = await countSovereigns(tx);
      if (existing > 0) return { added: false, existing };
      return { added: await bootstrapSovereign(tx, new WriteRecord(), publicKey, description, Date.now()), existing };
    });
    if (!outcome.added) {
      throw new HostCommandError(
        `refused: ${where} already has ${outcome.existing} sovereign key(s); add more with \`mesh sovereign add <publicKey>\`, signed by one of them (or --recover if every one is lost)`,
      );
    }
    process.stdout.write(`sovereign key ${publicKey} added (${description}) to ${where}\n`);
    return HOST_EXIT.ok;
  } finally {
    database.close();
  }
});
