import { pino, stdSerializers, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config.js';
import type { LogFields, Logger } from '../log.js';

export interface PinoLoggerOptions {
  level: LogLevel;
  /** undefined: text when stdout is a terminal, JSON lines otherwise. */
  format: LogFormat | undefined;
  /** Where lines go; stdout unless told (tests collect them). */
  destination?: { write(line: string): unknown };
}

/**
 * Readable lines for a person at a terminal, formatted in this thread: pino-pretty's transport would
 * start a worker thread per logger, which Bun and a single-core host can do without.
 */
function textDestination(out: { write(line: string): unknown }, colorize: boolean): DestinationStream {
  const format = pinoPretty.prettyFactory({
    colorize,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return { write: (line: string) => void out.write(format(line)) };
}

/** mesh's server logger: pino, one JSON object per line, with an error's cause chain under `err`. */
export function createPinoLogger(options: PinoLoggerOptions): Logger {
  const out = options.destination ?? process.stdout;
  const format = options.format ?? (process.stdout.isTTY ? 'text' : 'json');
  const destination: DestinationStream =
    format === 'text'
      ? textDestination(out, out === process.stdout && process.stdout.isTTY)
      : { write: (line: string) => void out.write(line) };
  const logger = pino(
    {
      level: options.level,
      base: { service: 'mesh' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: stdSerializers.errWithCause },
    },
    destination,
  );
  return {
    info: (message: string, fields?: LogFields) => (fields ? logger.info(fields, message) : logger.info(message)),
    warn: (message: string, fields?: LogFields) => (fields ? logger.warn(fields, message) : logger.warn(message)),
    error: (message: string, error?: unknown, fields?: LogFields) =>
      logger.error(error === undefined ? { ...fields } : { ...fields, err: error }, message),
  };
}
