/** A real pino logger (the product's createLogger) whose JSON lines a unit test can read back. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

/** One log line as pino writes it: `level` 30 info, 40 warn, 50 error; `msg`; the fields. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function captureLogs(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
