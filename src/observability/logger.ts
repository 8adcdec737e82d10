/**
 * pino, the one logger. Child loggers carry context (`mappingId`, `shardId`, `batchId`)
 * so a line explains itself. Anything that could hold credentials is redacted, at the top
 * level and nested a few levels deep (errors, SDK configs, request headers).
 */
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** pino level (config `log.level`), default `info`. */
  level?: string;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
  /** Human-readable, coloured lines (pino-pretty) instead of JSON: `sluice dev`. */
  pretty?: boolean;
}

/** Keys whose values are secrets wherever they appear (AWS' environment spellings included). */
const SECRET_KEYS = [
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'credentials',
  'authorization',
  'Authorization',
  'password',
  // api.auth.keys (access key id -> secret), should the API settings ever be logged.
  'keys',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'headers["x-amz-security-token"]',
];
/** How deep below the logged object a secret is looked for (pino redaction needs explicit paths). */
const MAX_DEPTH = 3;

/** `key`, `*.key`, `*.*.key` ... for every secret key. */
export const REDACTED_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => [...Array<string>(depth).fill('*'), key].join('.')),
);

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  return pino(
    {
      name: 'sluice',
      level: options.level ?? 'info',
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    options.pretty
      ? pinoPretty({ destination, colorize: destination === process.stdout && process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' })
      : destination,
  );
}
