/**
 * The batch runner (streams.md §5, §10–§14): one batch through the policy with a fake
 * submit, fake batch store and a checkpointer writing into a list. What is asserted is the
 * order of what happens: attempts and their records, saves of a retrying batch, discards,
 * and checkpoints after what.
 */
import { describe, expect, it } from 'vitest';
import type { BatchJobData, BatchJobResult } from '../../../../../src/pipeline/index.js';
import type { InvocationOutcome } from '../../../../../src/targets/index.js';
import { LeaseLostError } from '../../../../../src/sources/streams/leases/lease-lost-error.js';
import type { Lease } from '../../../../../src/sources/streams/leases/shard-leases.js';
import type { StreamBatchConfig } from '../../../../../src/sources/streams/policy/index.js';
import { BatchRunner, fencedSubmit } from '../../../../../src/sources/streams/shard/batch-runner.js';
import { ShardCheckpointer } from '../../../../../src/sources/streams/shard/shard-checkpointer.js';
import { failures, functionError, success } from '../policy/harness.js';
import { countedMetrics, keptWarnings, nOf, records, SHARD } from './scripted-stream.js';

const LEASE: Lease = { mappingId: 'm-1', shardId: SHARD, workerId: 'w-1', token: 7, expiresAt: Date.now() + 60_000 };
const policy = (overrides: Partial<StreamBatchConfig> = {}): StreamBatchConfig => ({
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  ...overrides,
});

/** The n of each record in an attempt's payload. */
const payloadNs = (payload: string): number[] =>
  (JSON.parse(payload) as { Records: Array<{ kinesis: { sequenceNumber: string } }> }).Records.map((r) => nOf(r.kinesis.sequenceNumber));

interface Harness {
  runner: BatchRunner;
  events: string[];
  attempts: BatchJobData[];
  reports: string[];
  stopping: AbortController;
  leaseLost: AbortController;
  checkpointer: ShardCheckpointer;
}

function runnerOf(answers: Array<InvocationOutcome | Error | ((data: BatchJobData) => BatchJobResult)>, config: StreamBatchConfig, options: { leaseHeld?: boolean; saveRefused?: boolean } = {}): Harness {
  const events: string[] = [];
  const attempts: BatchJobData[] = [];
  const reports: string[] = [];
  const stopping = new AbortController();
  const leaseLost = new AbortController();
  const { metrics } = countedMetrics();
  const checkpointer = new ShardCheckpointer(async (position) => {
    events.push(`checkpoint ${nOf(position)}`);
    return 'written';
  }, metrics);
  const runner = new BatchRunner({
    mappingId: 'm-1',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    settingsFingerprint: 'fp',
    policy: config,
    traits: { type: 'kinesis' },
    lease: () => LEASE,
    leaseHeld: async () => options.leaseHeld ?? true,
    submit: async (data) => {
      attempts.push(data);
      events.push(`invoke ${payloadNs(data.payload).join(',')}`);
      const answer = answers.shift() ?? success();
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer(data) : { outcome: answer };
    },
    batches: {
      save: async (_lease, lane, batch, withRecords) => {
        events.push(`save lane ${lane} ${batch.settings}${withRecords ? ` records ${batch.records.map((r) => nOf(r.sequenceNumber)).join(',')}` : ''}`);
        return !options.saveRefused;
      },
      remove: async (_lease, lane) => {
        events.push(`remove lane ${lane}`);
        return true;
      },
    },
    checkpointer,
    discard: async (discard, batch) => void events.push(`discard ${batch.slice(discard.firstIndex, discard.lastIndex + 1).map((r) => nOf(r.sequenceNumber)).join(',')}`),
    metrics,
    warnings: keptWarnings().context,
    report: async ({ invocation }) => void reports.push(invocation),
    leaseLost: leaseLost.signal,
    stopping: stopping.signal,
  });
  return { runner, events, attempts, reports, stopping, leaseLost, checkpointer };
}

/** The runner's records are read first: the checkpointer only moves over records it knows. */
function readAll(harness: Harness, count: number) {
  const batch = records(count);
  for (const r of batch) harness.checkpointer.progress.add(r.sequenceNumber, false);
  return batch;
}

describe('BatchRunner', () => {
  it('invokes a batch once with its records in order and checkpoints its last record; nothing is saved', async () => {
    const harness = runnerOf([success()], policy());
    await harness.runner.run(0, readAll(harness, 3));
    expect(harness.events).toEqual(['invoke 1,2,3', 'checkpoint 3']);
    expect(harness.attempts[0]).toMatchObject({ mappingId: 'm-1', source: 'kinesis', recordCount: 3 });
    expect(harness.reports).toEqual(['OK']);
    expect(harness.checkpointer.progress.pending).toBe(0);
  });

  it('on a partial failure, checkpoints the records before the failed one before retrying from it', async () => {
    const harness = runnerOf([failures(3), success()], policy({ reportBatchItemFailures: true }));
    await harness.runner.run(1, readAll(harness, 4));
    expect(harness.events).toEqual(['invoke 1,2,3,4', 'checkpoint 2', 'save lane 1 fp records 1,2,3,4', 'invoke 3,4', 'checkpoint 4', 'remove lane 1']);
    expect(harness.reports).toEqual(['PROBLEM: Function call failed', 'OK']);
  }, 10_000);

  it('sends a batch that ran out of retries to the destination before the checkpoint passes it', async () => {
    const harness = runnerOf([functionError()], policy({ maximumRetryAttempts: 0 }));
    await harness.runner.run(0, readAll(harness, 2));
    expect(harness.events).toEqual(['invoke 1,2', 'discard 1,2', 'checkpoint 2']);
  });

  it('takes a submit that throws as an invocation error, and retries', async () => {
    const harness = runnerOf([new Error('queue closed'), success()], policy());
    await harness.runner.run(0, readAll(harness, 1));
    expect(harness.events).toEqual(['invoke 1', 'save lane 0 fp records 1', 'invoke 1', 'checkpoint 1', 'remove lane 0']);
    expect(harness.reports).toEqual(['PROBLEM: Function call failed', 'OK']);
  }, 10_000);

  it('stopped while waiting to retry: removes the saved batch (read again afresh) and checkpoints nothing', async () => {
    const harness = runnerOf([functionError()], policy());
    const running = harness.runner.run(0, readAll(harness, 2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    harness.stopping.abort();
    await running;
    expect(harness.events).toEqual(['invoke 1,2', 'save lane 0 fp records 1,2', 'remove lane 0']);
    expect(harness.checkpointer.progress.pending).toBe(2);
  });

  it('with the lease lost, leaves the saved batch to the next holder', async () => {
    const harness = runnerOf([functionError()], policy());
    const running = harness.runner.run(0, readAll(harness, 2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    harness.leaseLost.abort();
    harness.stopping.abort();
    await running;
    expect(harness.events).toEqual(['invoke 1,2', 'save lane 0 fp records 1,2']);
    await expect(harness.runner.run(0, records(1))).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('invokes nothing once the lease is no longer held', async () => {
    const harness = runnerOf([success()], policy(), { leaseHeld: false });
    await expect(harness.runner.run(0, readAll(harness, 2))).rejects.toBeInstanceOf(LeaseLostError);
    expect(harness.events).toEqual([]);
  });

  it('stops the shard when saving a retrying batch is refused by the lease fence', async () => {
    const harness = runnerOf([functionError()], policy(), { saveRefused: true });
    await expect(harness.runner.run(0, readAll(harness, 1))).rejects.toBeInstanceOf(LeaseLostError);
    expect(harness.events).toEqual(['invoke 1', 'save lane 0 fp records 1']);
  });
});

describe('fencedSubmit', () => {
  it("attaches the current lease's fence to every job, and a refused job means the lease is lost", async () => {
    const seen: BatchJobData[] = [];
    let lease = LEASE;
    let refuse = false;
    const submit = fencedSubmit(
      async (data) => {
        seen.push(data);
        return refuse ? { outcome: success(), fenced: true } : { outcome: success() };
      },
      (held) => ({ key: 'leases', field: held.shardId, prefix: `${held.workerId}|${held.token}|` }),
      () => lease,
    );
    const data = { mappingId: 'm-1', source: 'kinesis' as const, functionArn: 'f', payload: '{}', recordCount: 1 };
    await submit(data);
    lease = { ...LEASE, token: 8 };
    refuse = true;
    await expect(submit(data)).rejects.toBeInstanceOf(LeaseLostError);
    expect(seen.map((d) => d.fence?.prefix)).toEqual(['w-1|7|', 'w-1|8|']);
  });
});
