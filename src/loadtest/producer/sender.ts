/**
 * What every sender shares: one batch in, the records that landed out, with the failed
 * entries of a batch (SendMessageBatch `Failed`, PutRecords per-record errors, BatchWriteItem
 * `UnprocessedItems`) and whole failed requests tried again with backoff, and counted.
 *
 * A record's `sentAt` is when the request that landed it was issued (chosen: the record
 * cannot reach the source before that, so a put → invoke latency includes the put itself
 * and is never negative by construction; src/loadtest/report clamps at 0 all the same).
 */
import { backoffDelayMs, type BackoffPolicy } from '../../aws/backoff.js';
import type { SentRecord } from '../run-data.js';

export interface OutgoingRecord {
  seq: number;
  /** `lt-<runid>-<seq>`: the FIFO deduplication id, the DynamoDB `pk`. */
  key: string;
  body: string;
}

/** One request's answer: entries that landed (with their trace id) and entries to try again. */
export interface AttemptResult {
  landed: Array<{ record: OutgoingRecord; id: string }>;
  failed: OutgoingRecord[];
  /** Why entries failed, for the run's error list (first per request). */
  failure?: string;
}

/** One source's batched put; throws when the whole request fails. */
export interface BatchPut {
  /** Records per request at most (the API's limit, lowered for large bodies). */
  readonly maxBatch: number;
  put(records: OutgoingRecord[]): Promise<AttemptResult>;
}

export interface SendResult {
  sent: SentRecord[];
  /** Entries sent again after a failed try. */
  retried: number;
  /** Entries given up on after the last try: they were never sent, and are not in `sent`. */
  failed: number;
  errors: string[];
}

export interface RetryOptions {
  /** Tries per entry, the first included. */
  tries: number;
  backoff: BackoffPolicy;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * (chosen) 5 tries, 100 ms doubling to 2 s, +10 % jitter: rides out an emulator's or AWS'
 * throttling blip (about 3 s in all) without holding an in-flight slot for long; what is
 * still refused after that is counted as failed, not dropped silently.
 */
export const DEFAULT_RETRY: Omit<RetryOptions, 'now' | 'sleep'> = {
  tries: 5,
  backoff: { firstMs: 100, maxMs: 2_000, jitter: 0.1 },
};

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Sends `records` through `put`, trying failed entries again; resolves, never rejects. */
export async function sendWithRetries(put: BatchPut, records: OutgoingRecord[], options: RetryOptions): Promise<SendResult> {
  const result: SendResult = { sent: [], retried: 0, failed: 0, errors: [] };
  let pending = records;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const issuedAt = options.now();
    let answer: AttemptResult;
    try {
      answer = await put.put(pending);
    } catch (error) {
      answer = { landed: [], failed: pending, failure: describeError(error) };
    }
    for (const { id } of answer.landed) result.sent.push({ id, sentAt: issuedAt });
    if (answer.failed.length > 0 && answer.failure) result.errors.push(answer.failure);
    pending = answer.failed;
    if (pending.length === 0) break;
    if (attempt >= options.tries) {
      result.failed += pending.length;
      break;
    }
    result.retried += pending.length;
    await options.sleep(backoffDelayMs(options.backoff, attempt));
  }
  return result;
}
