/**
 * Emulator-free helpers (safe to import from unit tests).
 */
import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long. Default 10 000 ms. */
  timeoutMs?: number;
  /** Wait between attempts. Default 50 ms. */
  intervalMs?: number;
  /** Said in the failure message: what we were waiting for. */
  description?: string;
}

type Falsy = false | 0 | 0n | '' | null | undefined;

function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 500 });
}

/**
 * Call `fn` until it returns (or resolves to) a truthy value and resolve with that value.
 * A throwing `fn` counts as "not yet" (its last error is reported on timeout).
 * On timeout, rejects with the description, the attempt count, the last value and error.
 *
 *   const msgs = await pollUntil(async () => (await receive()).Messages?.length ? ... : undefined,
 *                                { timeoutMs: 5000, description: 'message on the DLQ' });
 */
export async function pollUntil<T>(
  fn: () => T | Promise<T>,
  options: PollOptions = {},
): Promise<Exclude<Awaited<T>, Falsy>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const started = Date.now();
  let attempts = 0;
  let lastValue: unknown;
  let lastError: unknown;
  let hasError = false;
  for (;;) {
    attempts++;
    try {
      const value = await fn();
      if (value) return value as Exclude<Awaited<T>, Falsy>;
      lastValue = value;
      hasError = false;
    } catch (error) {
      lastError = error;
      hasError = true;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      const what = options.description ? ` waiting for ${options.description}` : '';
      const detail = hasError
        ? `last attempt threw: ${lastError instanceof Error ? (lastError.stack ?? lastError.message) : show(lastError)}`
        : `last value: ${show(lastValue)}`;
      throw new Error(`pollUntil timed out after ${elapsed}ms (${attempts} attempts)${what}; ${detail}`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, timeoutMs - elapsed)));
  }
}

let counter = 0;

/**
 * A name unique across the whole run (parallel workers included), valid for SQS queues,
 * Kinesis streams and DynamoDB tables: [A-Za-z0-9_-], at most 60 characters, so that
 * ".fifo" still fits in SQS' 80.
 */
export function uniqueName(prefix = 't'): string {
  const clean = prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 30) || 't';
  counter++;
  const worker = process.pid.toString(36);
  const random = Math.random().toString(36).slice(2, 8);
  return `${clean}-${Date.now().toString(36)}-${worker}-${counter}-${random}`.slice(0, 60);
}
