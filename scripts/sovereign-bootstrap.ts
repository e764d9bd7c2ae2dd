/**
 * Adds the first sovereign key, on the host, straight into the database: HTTP never adds a key
 * without an existing sovereign's signature, so the first one has to come from here (or from
 * MESH_SOVEREIGN_KEYS). Refuses once any sovereign key exists.
 *
 *   npm run sovereign:bootstrap -- <publicKeyHex> [description]
 */
import { z } from 'zod';
import { databaseUrl, openDatabase } from '../db/database.js';
import { descriptionSchema, newPublicKeySchema } from '../shared/fields.js';
import { loadConfig } from '../server/config.js';
import { bootstrapSovereign, countSovereigns } from '../server/services/sovereigns.js';
import { WriteRecord } from '../server/events/write-record.js';
import { describeIssues } from '../shared/issues.js';

const argsSchema = z.tuple([newPublicKeySchema, descriptionSchema.default('bootstrap sovereign')]);

async function main(args: string[]): Promise<number> {
  const parsed = argsSchema.safeParse(args.length === 1 ? [args[0], undefined] : args);
  if (!parsed.success) {
    // The arguments are a tuple: name its positions, so a problem reads "publicKey must be ...".
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: [issue.path[0] === 0 ? 'publicKey' : 'description'] }));
    process.stderr.write(`usage: npm run sovereign:bootstrap -- <publicKeyHex> [description]\n${describeIssues(issues, ' ')}\n`);
    return 2;
  }
  const [publicKey, description] = parsed.data;
  const config = loadConfig();
  const url = databaseUrl({ url: config.dbUrl, path: config.dbPath });
  const database = await openDatabase(url);
  try {
    const outcome = await database.write(async (tx) => {
      const existing = await countSovereigns(tx);
      if (existing > 0) return { added: false, existing };
      return { added: await bootstrapSovereign(tx, new WriteRecord(), publicKey, description, Date.now()), existing };
    });
    if (!outcome.added) {
      process.stderr.write(
        `refused: this database already has ${outcome.existing} sovereign key(s); add more with a signed POST /sovereign/add\n`,
      );
      return 1;
    }
    process.stdout.write(`sovereign key ${publicKey} added (${description})\n`);
    return 0;
  } finally {
    database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sovereign:bootstrap failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
