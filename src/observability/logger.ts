/**
 * pino, the one logger. Child loggers carry context (`mappingId`, `shardId`, `batchId`)
 * so a line explains itself. Anything that could hold credentials is redacted.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** pino level (config `log.level`), default `info`. */
  level?: string;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 'sluice',
      level: options.level ?? 'info',
      redact: {
        paths: ['*.authorization', '*.Authorization', '*.credentials', '*.secretAccessKey', '*.sessionToken', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}
