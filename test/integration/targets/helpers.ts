/** Shared bits of the target tests: an invocation context, a logger that keeps its lines. */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import type { InvocationContext, InvocationOutcome } from '../../../src/targets/index.js';

export const HANDLERS_DIR = fileURLToPath(new URL('../../fixtures/handlers/', import.meta.url));

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:orders:live';

export function invocationContext(overrides: Partial<InvocationContext> = {}): InvocationContext {
  return { functionArn: FUNCTION_ARN, functionName: 'orders', qualifier: 'live', timeoutMs: 3_000, ...overrides };
}

export interface CapturingLogger {
  logger: Logger;
  /** Parsed JSON log lines written so far. */
  lines: Array<Record<string, unknown>>;
}

export function capturingLogger(): CapturingLogger {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Narrow an outcome to its kind, failing with the whole outcome in the message otherwise. */
export function expectKind<K extends InvocationOutcome['kind']>(
  outcome: InvocationOutcome,
  kind: K,
): Extract<InvocationOutcome, { kind: K }> {
  if (outcome.kind !== kind) throw new Error(`expected a ${kind} outcome, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<InvocationOutcome, { kind: K }>;
}
