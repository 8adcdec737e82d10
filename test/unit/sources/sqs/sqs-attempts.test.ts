/**
 * The SQS batch policy's attempts (sqs.md §6): one batch job per attempt; invocation errors
 * tried again 1 s, 2 s, 4 s … apart while the messages stay invisible through the next
 * attempt (function timeout + 5 s); everything else final. A fake clock and job results.
 */
import { describe, expect, it } from 'vitest';
import { FUNCTION_NOT_CONFIGURED, functionNotFound, type BatchJobData, type BatchJobResult } from '../../../../src/pipeline/index.js';
import type { JudgedAttempt } from '../../../../src/sources/invocation-attempts.js';
import { sqsBatchVerdict } from '../../../../src/sources/sqs/batch-outcome.js';
import { attemptBatch, RETRY_VISIBILITY_MARGIN_MS, type SqsAttemptsOptions } from '../../../../src/sources/sqs/sqs-attempts.js';
import type { SqsEventRecord } from '../../../../src/sources/sqs/sqs-record.js';
import type { InvocationOutcome } from '../../../../src/targets/index.js';

const refused: InvocationOutcome = { kind: 'invocation-error', reason: 'unreachable', errorCode: 'ECONNREFUSED', errorMessage: 'refused', durationMs: 0 };
const throttled: InvocationOutcome = { kind: 'invocation-error', reason: 'throttled', errorCode: 'TooManyRequestsException', errorMessage: 'slow down', durationMs: 0 };
const succeeded: InvocationOutcome = { kind: 'success', response: null, responseIsJson: true, requestId: 'r', executedVersion: '$LATEST', durationMs: 20 };
const failed: InvocationOutcome = { kind: 'function-error', functionError: 'Unhandled', errorMessage: 'boom', requestId: 'r', executedVersion: '$LATEST', durationMs: 20 };
const records = [{ messageId: 'm1', attributes: {} }] as unknown as SqsEventRecord[];
const job: BatchJobData = { mappingId: 'm', source: 'sqs', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', payload: '{"Records":[{}]}', recordCount: 1 };
const TIMEOUT_MS = 3000;

/** Runs the attempts with these job outcomes in turn (the last repeats), on a fake clock starting at 0. */
async function run(outcomes: Array<InvocationOutcome | Error>, visibleUntil: number, extra: Partial<SqsAttemptsOptions> = {}) {
  let clock = 0;
  const submitted: number[] = [];
  const waits: number[] = [];
  const recorded: JudgedAttempt[] = [];
  const jobFailures: unknown[] = [];
  const result = await attemptBatch({
    job,
    submit: async (): Promise<BatchJobResult> => {
      submitted.push(clock);
      const next = outcomes[Math.min(submitted.length - 1, outcomes.length - 1)]!;
      if (next instanceof Error) throw next;
      return { outcome: next };
    },
    judge: (outcome) => sqsBatchVerdict(records, outcome, { reportBatchItemFailures: false, fifo: false }),
    record: (attempt) => recorded.push(attempt),
    onJobFailed: (error) => jobFailures.push(error),
    visibleUntil,
    functionTimeoutMs: TIMEOUT_MS,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    ...extra,
  });
  return { result, submitted, waits, recorded, jobFailures };
}

describe('attemptBatch (sqs.md §6)', () => {
  it('a success is one attempt', async () => {
    const { result, submitted, recorded } = await run([succeeded], 60_000);
    expect(result).toMatchObject({ outcome: succeeded, attempts: 1, verdict: { failed: false } });
    expect(submitted).toEqual([0]);
    expect(recorded).toEqual([{ outcome: succeeded, reading: { kind: 'success' }, records: 1, payloadBytes: job.payload.length }]);
  });

  it('invocation errors are tried again 1 s, 2 s, 4 s apart until one reaches the target', async () => {
    const { result, waits, submitted, recorded } = await run([refused, throttled, refused, succeeded], 60_000);
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(submitted).toEqual([0, 1000, 3000, 7000]);
    expect(result).toMatchObject({ outcome: succeeded, attempts: 4 });
    // Every attempt is recorded, each with its own outcome.
    expect(recorded.map((a) => a.outcome.kind)).toEqual(['invocation-error', 'invocation-error', 'invocation-error', 'success']);
  });

  it('waits grow to at most 30 s', async () => {
    const { waits } = await run([refused], 400_000);
    expect(waits.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('stops trying once the next attempt could outlast the visibility (delay + timeout + 5 s)', async () => {
    // After the first attempt at 0: 0 + 1000 + 3000 + 5000 = 9000 must fit.
    expect((await run([refused], 9000)).submitted).toEqual([0, 1000]);
    expect((await run([refused], 8999)).submitted).toEqual([0]);
    // After the second (at 1000): 1000 + 2000 + 3000 + 5000 = 11 000.
    expect((await run([refused], 11_000)).submitted).toEqual([0, 1000, 3000]);
    const last = await run([refused], 8999);
    expect(last.result).toMatchObject({ outcome: refused, attempts: 1, verdict: { failed: true, backOff: true, toDelete: [] } });
    expect(RETRY_VISIBILITY_MARGIN_MS).toBe(5000);
  });

  it('function errors, responses and a missing function are final', async () => {
    expect((await run([failed, succeeded], 60_000)).submitted).toHaveLength(1);
    const missing = await run([functionNotFound(), succeeded], 60_000);
    expect(missing.submitted).toHaveLength(1);
    expect(missing.result.outcome).toMatchObject({ errorCode: FUNCTION_NOT_CONFIGURED });
  });

  it('a job that failed for Sluice\'s own reason is told, not recorded as an attempt, and not tried again', async () => {
    const { result, submitted, recorded, jobFailures } = await run([new Error('Redis is gone'), succeeded], 60_000);
    expect(submitted).toHaveLength(1);
    expect(recorded).toEqual([]);
    expect(jobFailures).toHaveLength(1);
    expect(result.outcome).toMatchObject({ kind: 'invocation-error', reason: 'service-error', errorMessage: 'Redis is gone' });
  });

  it('a stop ends the waits: the last outcome is applied', async () => {
    const stop = new AbortController();
    const { submitted, result } = await run([refused, succeeded], 60_000, {
      signal: stop.signal,
      sleep: async () => stop.abort(),
    });
    expect(submitted).toHaveLength(1);
    expect(result.outcome).toBe(refused);
  });
});
