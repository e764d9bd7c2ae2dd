import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { invalidInput, MeshClientError } from '../errors.js';
import { KeyFileError } from '../keys.js';

/** The exit codes of `mesh`, so scripts can tell a refusal from an outage. */
export const EXIT = {
  ok: 0,
  /** mesh refused the request (unknown node, bad signature, ...), or the operator declined. */
  refused: 1,
  usage: 2,
  unreachable: 3,
  keyFile: 4,
} as const;

/** A failure the CLI itself reports, with its exit code. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** One line for the operator and the exit code, for any error an action can throw. */
export function describeFailure(error: unknown): { message: string | null; exitCode: number } {
  // commander printed its own message (or the help) already.
  if (error instanceof CommanderError) return { message: null, exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof KeyFileError) return { message: error.message, exitCode: EXIT.keyFile };
  const meshError = error instanceof ZodError ? invalidInput(error) : error;
  if (meshError instanceof MeshClientError) {
    if (meshError.code === 'UNREACHABLE') return { message: meshError.message, exitCode: EXIT.unreachable };
    return { message: `${meshError.message} [${meshError.code}]`, exitCode: EXIT.refused };
  }
  return { message: `unexpected failure: ${error instanceof Error ? error.message : String(error)}`, exitCode: EXIT.refused };
}
