/**
 * The SQS side's backoff numbers (sqs.md §3, §6): 1 s, doubling, at most 30 s apart. A
 * receive loop slows down with it after a failure (reset by a success); a batch whose
 * invocation was refused waits it out between attempts. The formula is `aws/backoff.ts`.
 */
import { Backoff, type BackoffPolicy } from '../../aws/backoff.js';

export const SQS_BACKOFF: BackoffPolicy = { firstMs: 1000, maxMs: 30_000 };

/** The backoff state of one SQS loop. */
export const sqsBackoff = (): Backoff => new Backoff(SQS_BACKOFF);
