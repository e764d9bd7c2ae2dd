/** Where the agent and the CLI report what they do: the SDK's own, so it needs nothing of the server. */
export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** An error with its chain of causes: the first one rarely says why. */
function causeChain(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const own = `${error.name}: ${error.message}`;
  return error.cause === undefined || depth >= 5 ? own : `${own}; caused by: ${causeChain(error.cause, depth + 1)}`;
}

/** One line per event, prefixed with the time: stdout for progress, stderr for failures. */
export const consoleLogger: Logger = {
  info: (message) => process.stdout.write(`${new Date().toISOString()} ${message}\n`),
  error: (message, error) => {
    const detail = error === undefined ? '' : `: ${causeChain(error)}`;
    process.stderr.write(`${new Date().toISOString()} ERROR ${message}${detail}\n`);
  },
};
