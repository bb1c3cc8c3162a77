/**
 * The service's one logger: pino, JSON lines on stdout with ISO times (docs/OBSERVABILITY.md).
 * LOG_LEVEL picks the least severe level written (`silent` writes nothing).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

/** The older logging callback the use cases and adapters take: a message, and an error when something failed. */
export type LogFn = (msg: string, err?: unknown, fields?: Record<string, unknown>) => void;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const opts = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(opts) : pino(opts, destination);
}

/** A LogFn writing to `logger`: with an error at level error, without one at level warn. */
export function logFnOf(logger: Logger): LogFn {
  return (msg, err, fields) => {
    if (err === undefined) logger.warn(fields ?? {}, msg);
    else logger.error({ ...fields, err }, msg);
  };
}
