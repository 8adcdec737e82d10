/**
 * Stream batch retries (streams.md §6, §10, §11): a failing batch blocks its shard and is
 * retried with the same records; MaximumRetryAttempts k gives exactly k + 1 invocations,
 * then the records are dropped (no destination) and the shard moves on; -1 retries until
 * success while other shards carry on. With ReportBatchItemFailures the retry starts at the
 * lowest failed sequence number; malformed responses are complete failures.
 *
 * Retry delays are not asserted here (they are the pipeline's, §10).
 */
import { describe, it } from 'vitest';
import { createStream, pollUntil, type ResponseFn, type TargetResponse } from '../support/index.js';
import { createMapping } from '../support/sqs-e2e.js';
import { useStreamTestbed, CheckpointWatch, Producer, dataOf, putKinesis, shardOfInvocation, streamRecordsIn } from '../support/streams-e2e.js';
import type { CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';

const bed = useStreamTestbed('fn');

const FAIL: TargetResponse = { status: 500, json: { errorMessage: 'boom', errorType: 'Error' } };
const dataIn = (request: Parameters<typeof streamRecordsIn>[0]) => streamRecordsIn(request).map(dataOf);

type Written = Awaited<ReturnType<typeof putKinesis>>;

/** A one-shard stream holding r0..r(n-1), and a mapping on it (BatchSize 3 unless said). */
async function setUp(
  onTestFinished: (fn: () => Promise<void> | void) => void,
  n: number,
  mapping: Partial<CreateEventSourceMappingCommandInput>,
  behaviour: (written: Written) => ResponseFn,
) {
  const stream = await createStream({ shardCount: 1 });
  onTestFinished(stream.cleanup);
  const written = await putKinesis(
    stream.streamName,
    Array.from({ length: n }, (_, i) => ({ key: 'k', data: `r${i}` })),
  );
  bed.router.on(stream.streamArn, behaviour(written));
  const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 3, ...mapping });
  const watch = new CheckpointWatch(bed.db, uuid);
  onTestFinished(() => watch.close());
  const checkpointAt = (i: number) =>
    watch.until((checkpoints) => checkpoints.get(stream.shardIds[0]!) === written[i]!.sequenceNumber, `checkpoint at r${i}`);
  return { stream, written, uuid, watch, checkpointAt };
}

describe.concurrent('stream retries', () => {
  describe('MaximumRetryAttempts', () => {
    it('k = 2, a batch that always fails: exactly 3 invocations of it, then it is dropped and the shard moves on', async ({ expect, onTestFinished }) => {
      const { stream, checkpointAt, watch } = await setUp(onTestFinished, 6, { MaximumRetryAttempts: 2 }, () => (request) =>
        dataIn(request).includes('r1') ? FAIL : {},
      );
      await checkpointAt(5);
      const invocations = bed.router.invocations(stream.streamArn).map(dataIn);
      expect(invocations).toEqual([['r0', 'r1', 'r2'], ['r0', 'r1', 'r2'], ['r0', 'r1', 'r2'], ['r3', 'r4', 'r5']]);
      await watch.expectNeverBackwards();
    });

    it('k = 2, a batch that fails once: 2 invocations of it, nothing dropped', async ({ expect, onTestFinished }) => {
      const { stream, checkpointAt } = await setUp(onTestFinished, 6, { MaximumRetryAttempts: 2 }, () => (_request, index) => (index === 0 ? FAIL : {}));
      await checkpointAt(5);
      expect(bed.router.invocations(stream.streamArn).map(dataIn)).toEqual([['r0', 'r1', 'r2'], ['r0', 'r1', 'r2'], ['r3', 'r4', 'r5']]);
    });

    it('k = 0: one invocation only, then the records are dropped', async ({ expect, onTestFinished }) => {
      const { stream, checkpointAt } = await setUp(onTestFinished, 4, { MaximumRetryAttempts: 0, BatchSize: 2 }, () => (request) =>
        dataIn(request).includes('r0') ? FAIL : {},
      );
      await checkpointAt(3);
      expect(bed.router.invocations(stream.streamArn).map(dataIn)).toEqual([['r0', 'r1'], ['r2', 'r3']]);
    });

    it('k = -1 (default): retries until success, blocking its shard only; the other shard carries on', async ({ expect, onTestFinished }) => {
      const stream = await createStream({ shardCount: 2 });
      onTestFinished(stream.cleanup);
      const [blocked, free] = stream.shardIds as [string, string];
      let failures = 0;
      bed.router.on(stream.streamArn, (request) => (shardOfInvocation(request) === blocked && failures++ < 2 ? FAIL : {}));
      // Records flow into both shards the whole time.
      const producer = new Producer(stream.streamName, Array.from({ length: 8 }, (_, i) => `key-${i}`), 50);
      onTestFinished(() => producer.stop());
      await producer.waitFor(16);
      expect(new Set(producer.put.map((p) => p.shardId))).toEqual(new Set([blocked, free]));
      const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 5 });
      const watch = new CheckpointWatch(bed.db, uuid);
      onTestFinished(() => watch.close());
      // The blocked shard's batch fails twice, then succeeds.
      const onBlocked = () => bed.router.invocations(stream.streamArn).filter((r) => shardOfInvocation(r) === blocked);
      await bed.router.waitForInvocations(stream.streamArn, 1);
      await pollUntil(() => onBlocked().length >= 4, { description: 'the blocked shard moving on after its batch succeeded', timeoutMs: 20_000 });
      await producer.stop();
      const [first, second, third] = onBlocked();
      // Same records each time, never topped up with newer ones.
      expect(dataIn(second!)).toEqual(dataIn(first!));
      expect(dataIn(third!)).toEqual(dataIn(first!));
      // While the blocked shard retried, the free shard was invoked (it does not wait).
      const freeWhileBlocked = bed.router
        .invocations(stream.streamArn)
        .filter((r) => shardOfInvocation(r) === free && r.receivedAt > first!.receivedAt && r.receivedAt < third!.receivedAt);
      expect(freeWhileBlocked.length).toBeGreaterThanOrEqual(1);
      // Everything is delivered in the end, the failed batch included.
      const lastPut = producer.put;
      await watch.until(
        (checkpoints) =>
          [blocked, free].every((shardId) => checkpoints.get(shardId) === lastPut.filter((p) => p.shardId === shardId).at(-1)!.sequenceNumber),
        'both shards checkpointed at their last record',
        20_000,
      );
      const delivered = new Set(bed.router.records(stream.streamArn).map(dataOf));
      expect(lastPut.filter((p) => !delivered.has(p.data))).toEqual([]);
      await watch.expectNeverBackwards();
    });
  });

  describe('ReportBatchItemFailures', () => {
    const RBIF = { FunctionResponseTypes: ['ReportBatchItemFailures' as const] };

    it('retries from the lowest failed sequence number; records before it are done and not delivered again', async ({ expect, onTestFinished }) => {
      const { stream, written, checkpointAt, watch } = await setUp(onTestFinished, 7, { ...RBIF, BatchSize: 5 }, (written) => (_request, index) =>
        index === 0 ? { json: { batchItemFailures: [{ itemIdentifier: written[3]!.sequenceNumber }, { itemIdentifier: written[2]!.sequenceNumber }] } } : {},
      );
      await checkpointAt(6);
      expect(bed.router.invocations(stream.streamArn).map(dataIn)).toEqual([
        ['r0', 'r1', 'r2', 'r3', 'r4'],
        ['r2', 'r3', 'r4'],
        ['r5', 'r6'],
      ]);
      // The partial failure moved the checkpoint to r1 before the retry.
      expect(watch.history.get(stream.shardIds[0]!)).toContain(written[1]!.sequenceNumber);
      await watch.expectNeverBackwards();
    });

    it('AWS-observed: six records, BatchSize 3, MaximumRetryAttempts 3, the sixth always reported failed -> 1..5 once, the sixth 4 times, then dropped', async ({
      expect,
      onTestFinished,
    }) => {
      const { stream, checkpointAt } = await setUp(onTestFinished, 6, { ...RBIF, BatchSize: 3, MaximumRetryAttempts: 3 }, (written) => (request) =>
        dataIn(request).includes('r5') ? { json: { batchItemFailures: [{ itemIdentifier: written[5]!.sequenceNumber }] } } : {},
      );
      await checkpointAt(5);
      expect(bed.router.invocations(stream.streamArn).map(dataIn)).toEqual([['r0', 'r1', 'r2'], ['r3', 'r4', 'r5'], ['r5'], ['r5'], ['r5']]);
    }, 20_000);

    const completeFailures: [string, TargetResponse][] = [
      ['an itemIdentifier ""', { json: { batchItemFailures: [{ itemIdentifier: '' }] } }],
      ['an itemIdentifier null', { json: { batchItemFailures: [{ itemIdentifier: null }] } }],
      ['an entry without itemIdentifier', { json: { batchItemFailures: [{ foo: 123 }] } }],
      ['a numeric itemIdentifier', { json: { batchItemFailures: [{ itemIdentifier: 123 }] } }],
      ['a sequence number not in the batch', { json: { batchItemFailures: [{ itemIdentifier: '12345678901234567890' }] } }],
      ['batchItemFailures not an array', { json: { batchItemFailures: 'r1' } }],
      ['a body that is not JSON', { body: '{"batchItemFailures": [', headers: { 'content-type': 'application/json' } }],
    ];
    it.for(completeFailures)('complete failure on %s: the whole batch is retried', async ([, response], { expect, onTestFinished }) => {
      const { stream, checkpointAt } = await setUp(onTestFinished, 5, { ...RBIF, BatchSize: 3 }, () => (_request, index) => (index === 0 ? response : {}));
      await checkpointAt(4);
      expect(bed.router.invocations(stream.streamArn).map(dataIn)).toEqual([['r0', 'r1', 'r2'], ['r0', 'r1', 'r2'], ['r3', 'r4']]);
    });

    const successes: [string, TargetResponse][] = [
      ['an empty batchItemFailures', { json: { batchItemFailures: [] } }],
      ['batchItemFailures null', { json: { batchItemFailures: null } }],
      ['{}', { json: {} }],
      ['an empty body', {}],
      ['""', { json: '' }],
      ['[]', { json: [] }],
    ];
    it.for(successes)('success on %s: no retry', async ([, response], { expect, onTestFinished }) => {
      const { stream, checkpointAt } = await setUp(onTestFinished, 5, { ...RBIF, BatchSize: 3 }, () => () => response);
      await checkpointAt(4);
      expect(bed.router.invocations(stream.streamArn).map(dataIn)).toEqual([['r0', 'r1', 'r2'], ['r3', 'r4']]);
    });
  });
});
