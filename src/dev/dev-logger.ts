/**
 * Logs of `sluice dev`: human-readable (pino-pretty) lines in `.sluice/dev.log`, and the
 * latest few kept in memory for the live view. The file starts empty at each start. Not on stdout, where they would scroll the
 * live view away: the view shows their tail, and the file keeps them all (`tail -f`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../observability/logger.js';

export interface DevLogger {
  logger: Logger;
  file: string;
  /** The latest entries (their first line), oldest first. */
  tail(): string[];
  close(): Promise<void>;
}

export function createDevLogger(options: { file: string; level: string; keepLines?: number }): DevLogger {
  const keep = options.keepLines ?? 50;
  const lines: string[] = [];
  let partial = '';
  let closed = false;
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const fd = fs.openSync(options.file, 'w');
  // Synchronous writes: lines logged just before the process exits are not lost.
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (closed) return callback();
      const text = chunk.toString();
      fs.writeSync(fd, text);
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      // The tail keeps each entry's first line ("[time] LEVEL: message"), not the indented
      // properties below it: the view has room for a few entries, the file has everything.
      lines.push(...parts.filter((line) => line.startsWith('[')));
      if (lines.length > keep) lines.splice(0, lines.length - keep);
      callback();
    },
  });
  const logger = createLogger({ level: options.level, destination: sink, pretty: true });
  return {
    logger,
    file: options.file,
    tail: () => [...lines],
    async close() {
      logger.flush();
      // pino-pretty formats on the next ticks; let it reach the sink before closing the file.
      await new Promise((resolve) => setTimeout(resolve, 50));
      closed = true;
      fs.closeSync(fd);
    },
  };
}
