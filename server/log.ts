export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** One line per event on stdout (errors on stderr), prefixed with the time. */
export const consoleLogger: Logger = {
  info: (message) => process.stdout.write(`${new Date().toISOString()} ${message}\n`),
  error: (message, error) => {
    const detail = error instanceof Error ? `: ${error.stack ?? error.message}` : error === undefined ? '' : `: ${String(error)}`;
    process.stderr.write(`${new Date().toISOString()} ERROR ${message}${detail}\n`);
  },
};

export const silentLogger: Logger = { info: () => {}, error: () => {} };
