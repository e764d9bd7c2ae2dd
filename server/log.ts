/** Facts a log line carries besides its message: ids, counts, durations. Never a body, a signature or a secret. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  /** Something an operator should look at, though mesh carries on (self-preservation). */
  warn(message: string, fields?: LogFields): void;
  error(message: string, error?: unknown, fields?: LogFields): void;
}

/** An error with its chain of causes, each on its own line: the first one rarely says why. */
function causeChain(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const own = error.stack ?? `${error.name}: ${error.message}`;
  return error.cause === undefined || depth >= 5 ? own : `${own}\n  caused by: ${causeChain(error.cause, depth + 1)}`;
}

const describeFields = (fields: LogFields | undefined) =>
  fields === undefined
    ? ''
    : Object.entries(fields)
        .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join('');

/** One plain line per event on stdout (errors on stderr), prefixed with the time: for the client's tools. */
export const consoleLogger: Logger = {
  info: (message, fields) => process.stdout.write(`${new Date().toISOString()} ${message}${describeFields(fields)}\n`),
  warn: (message, fields) => process.stderr.write(`${new Date().toISOString()} WARN ${message}${describeFields(fields)}\n`),
  error: (message, error, fields) => {
    const detail = error === undefined ? '' : `: ${causeChain(error)}`;
    process.stderr.write(`${new Date().toISOString()} ERROR ${message}${describeFields(fields)}${detail}\n`);
  },
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
