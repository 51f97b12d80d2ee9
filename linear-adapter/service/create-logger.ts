import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino level name; default LOG_LEVEL from the environment, else info. */
  level?: string;
  /** Where lines go; default stdout, written synchronously so nothing is lost on exit. Tests pass a stream to read lines back. */
  destination?: DestinationStream;
}

/** The service's JSON logger: one line per entry with an ISO time, the level by name, and `msg`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { service: 'scopekeeper' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names read better than pino's numbers in a log search ("level":"warn").
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** One JSON log line: a message, its level (default info) and any fields. The adapter's one log entry type. */
export type LogEntry = Record<string, unknown> & { level?: 'debug' | 'info' | 'warn' | 'error'; msg: string };
export type Log = (entry: LogEntry) => void;

/** For parts that log through a plain `(entry) => void` (the inbox worker, the outbox sender): one pino line per entry. */
export function toLogFunction(logger: Logger): Log {
  return ({ level, msg, ...fields }) => logger[level ?? 'info'](fields, msg);
}
