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

export interface Failure {
  /** The line for the operator; null when commander printed its own message (or the help) already. */
  message: string | null;
  exitCode: number;
  /** For --json: mesh's error code, or what kind of failure the CLI saw. */
  code: string;
  /** For --json: the message, also when commander printed it. */
  detail: string;
}

/** One line for the operator and the exit code, for any error an action can throw. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof CommanderError) {
    const detail = error.message.replace(/^error: /, '');
    return { message: null, exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage, code: 'USAGE', detail };
  }
  const failure = (message: string, exitCode: number, code: string): Failure => ({ message, exitCode, code, detail: message });
  if (error instanceof CliError)
    return failure(error.message, error.exitCode, error.exitCode === EXIT.usage ? 'USAGE' : 'REFUSED');
  if (error instanceof KeyFileError) return failure(error.message, EXIT.keyFile, 'KEY_FILE');
  const meshError = error instanceof ZodError ? invalidInput(error) : error;
  if (meshError instanceof MeshClientError) {
    if (meshError.code === 'UNREACHABLE') return failure(meshError.message, EXIT.unreachable, 'UNREACHABLE');
    return { ...failure(`${meshError.message} [${meshError.code}]`, EXIT.refused, meshError.code), detail: meshError.message };
  }
  return failure(`unexpected failure: ${error instanceof Error ? error.message : String(error)}`, EXIT.refused, 'UNEXPECTED');
}
