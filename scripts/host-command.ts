import { ZodError } from 'zod';
import { BackupError } from '../db/backup.js';
import { DatabaseLocationError } from '../db/location.js';
import { ConfigError } from '../server/config.js';

export const HOST_EXIT = { ok: 0, failed: 1, usage: 2, database: 5 } as const;

/** A refusal the command explains itself: its message, and no stack trace. */
export class HostCommandError extends Error {
  override name = 'HostCommandError';
  constructor(
    message: string,
    readonly exitCode: number = HOST_EXIT.failed,
  ) {
    super(message);
  }
}

/**
 * Runs a host command (bootstrap, backup, restore): its own usage when the arguments are wrong,
 * one line naming the cause for what an operator can fix, and the detail only for a defect.
 */
export function runHostCommand(name: string, usage: string, main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof HostCommandError) {
        process.stderr.write(`${name}: ${error.message}\n${error.exitCode === HOST_EXIT.usage ? `usage: ${usage}\n` : ''}`);
        process.exit(error.exitCode);
      }
      if (error instanceof ConfigError || error instanceof BackupError) {
        process.stderr.write(`${name}: ${error.message}\n`);
        process.exit(HOST_EXIT.failed);
      }
      if (error instanceof DatabaseLocationError) {
        process.stderr.write(`${name}: ${error.message}\n`);
        process.exit(HOST_EXIT.database);
      }
      if (error instanceof ZodError) {
        process.stderr.write(`${name}: ${error.issues.map((issue) => issue.message).join('; ')}\nusage: ${usage}\n`);
        process.exit(HOST_EXIT.usage);
      }
      process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(HOST_EXIT.failed);
    },
  );
}
