export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** An error with its chain of causes, each on its own line: the first one rarely says why. */
function causeChain(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const own = error.stack ?? `${error.name}: ${error.message}`;
  return error.cause === undefined || depth >= 5 ? own : `${own}\n  caused by: ${causeChain(error.cause, depth + 1)}`;
}

/** One line per event on stdout (errors on stderr), prefixed with the time. */
export const consoleLogger: Logger = {
  info: (message) => process.stdout.write(`${new Date().toISOString()} ${message}\n`),
  error: (message, error) => {
    const detail = error === undefined ? '' : `: ${causeChain(error)}`;
    process.stderr.write(`${new Date().toISOString()} ERROR ${message}${detail}\n`);
  },
};

export const silentLogger: Logger = { info: () => {}, error: () => {} };
