/**
 * The attempts of one SQS batch (sqs.md §6; design.md: the invocation attempt is the BullMQ
 * job, an SQS batch's fate is its messages' visibility). Each attempt is one batch job,
 * judged once (batch-outcome.ts) and recorded with that judgement. An invocation error (the
 * target did not run) is tried again after 1 s, 2 s, 4 s … at most 30 s apart, while every
 * message keeps its visibility through the next attempt: the function timeout plus a 5 s
 * margin. Everything else is final for this receive: a function error or a response is
 * the function's answer, a missing function stays missing, and a job that failed for
 * Sluice's own reason (Redis) leaves the messages to come back after their visibility.
 *
 * A stop (Disable, Update, shutdown) ends the waits between attempts: the last outcome is
 * applied (nothing deleted) and the messages come back after their visibility timeout
 * (chosen: a stop settles within seconds rather than retrying until the deadline; at least
 * once holds).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { FUNCTION_NOT_CONFIGURED, type BatchJobData, type BatchJobResult } from '../../pipeline/index.js';
import type { InvocationOutcome } from '../../targets/index.js';
import type { JudgedAttempt } from '../invocation-attempts.js';
import { backoffDelayMs } from '../../aws/backoff.js';
import { SQS_BACKOFF } from './backoff.js';
import type { SqsBatchVerdict } from './batch-outcome.js';

/** An attempt is tried again only if the messages stay invisible this long after it could end. */
export const RETRY_VISIBILITY_MARGIN_MS = 5000;

export interface SqsAttemptsOptions {
  /** The batch job of every attempt. */
  job: BatchJobData;
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  /** The SQS batch policy's judgement of an outcome (sqsBatchVerdict). */
  judge: (outcome: InvocationOutcome) => SqsBatchVerdict;
  /** Records each judged attempt (sources/invocation-attempts.ts), with when it started and its number (1 first). */
  record: (attempt: JudgedAttempt, context: { startedAt: number; attempt: number }) => void;
  /** A job failed for Sluice's own reason (Redis, the queue `invoke`), not the target's. */
  onJobFailed: (error: unknown) => void;
  /** Epoch ms when the batch's first message becomes visible again. */
  visibleUntil: number;
  functionTimeoutMs: number;
  /** Ends the waits between attempts (the poller stopped). */
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SqsAttemptsResult {
  /** The last attempt's outcome and its judgement: what is applied. */
  outcome: InvocationOutcome;
  verdict: SqsBatchVerdict;
  attempts: number;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal }).catch(() => undefined);

export async function attemptBatch(options: SqsAttemptsOptions): Promise<SqsAttemptsResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const payloadBytes = Buffer.byteLength(options.job.payload);
  for (let attempts = 1; ; attempts++) {
    let outcome: InvocationOutcome;
    let jobFailed = false;
    const startedAt = now();
    try {
      ({ outcome } = await options.submit(options.job));
    } catch (error) {
      options.onJobFailed(error);
      outcome = { kind: 'invocation-error', reason: 'service-error', errorMessage: (error as Error).message, durationMs: 0 };
      jobFailed = true;
    }
    const verdict = options.judge(outcome);
    // A job that never ran was no attempt at the target: nothing to count.
    if (!jobFailed) options.record({ outcome, reading: verdict.reading, records: options.job.recordCount, payloadBytes }, { startedAt, attempt: attempts });
    // The wait after attempt n is the n-th delay of the SQS backoff.
    const delay = backoffDelayMs(SQS_BACKOFF, attempts);
    const retried =
      !jobFailed &&
      outcome.kind === 'invocation-error' &&
      outcome.errorCode !== FUNCTION_NOT_CONFIGURED &&
      now() + delay + options.functionTimeoutMs + RETRY_VISIBILITY_MARGIN_MS <= options.visibleUntil &&
      !options.signal?.aborted;
    if (!retried) return { outcome, verdict, attempts };
    await sleep(delay, options.signal);
    if (options.signal?.aborted) return { outcome, verdict, attempts };
  }
}
