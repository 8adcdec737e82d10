/**
 * Stream mappings while records flow (streams.md §5, §17): a restart of Sluice and an Update
 * resume from the checkpoints, so nothing is delivered twice or skipped, and every shard's
 * checkpoint only moves forward (sampled from Redis all along). An Update while a batch waits
 * for a retry abandons it: it is read again from the checkpoint under the new settings.
 */
import { describe, it, type ExpectStatic } from 'vitest';
import { GetEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createStream, pollUntil, startRecordingTarget, type RecordedRequest } from '../support/index.js';
import { startTestSluice, waitForState, type TestSluice } from '../support/sluice.js';
import { createMapping } from '../support/sqs-e2e.js';
import {
  CheckpointWatch,
  Producer,
  startStreamTestbed,
  streamSluiceConfig,
  StreamRouter,
  dataOf,
  invocationsByShard,
  putKinesis,
  recordsByKey,
  streamRecordsIn,
  type KinesisEvent,
} from '../support/streams-e2e.js';

const KEYS = Array.from({ length: 8 }, (_, i) => `key-${i}`);

/** Every record put was delivered exactly once, each shard and each key in order. */
function expectExactlyOnceInOrder(producer: Producer, invocations: readonly RecordedRequest[], expect: ExpectStatic): void {
  const records = invocations.flatMap((r) => streamRecordsIn(r));
  expect(records.map(dataOf).sort()).toEqual(producer.put.map((p) => p.data).sort());
  for (const [shardId, shardInvocations] of invocationsByShard(invocations)) {
    const delivered = shardInvocations.flatMap((r) => streamRecordsIn(r)).map((r) => r.kinesis.sequenceNumber);
    expect(delivered, shardId).toEqual(producer.put.filter((p) => p.shardId === shardId).map((p) => p.sequenceNumber));
  }
  for (const [key, keyed] of recordsByKey(records)) {
    expect(keyed.map(dataOf), key).toEqual(producer.put.filter((p) => p.key === key).map((p) => p.data));
  }
}

/** Waits until every shard's checkpoint is the last record the producer put into it. */
async function allCheckpointed(watch: CheckpointWatch, producer: Producer): Promise<void> {
  const last = new Map<string, string>();
  for (const p of producer.put) last.set(p.shardId, p.sequenceNumber);
  await watch.until((checkpoints) => [...last].every(([shardId, seq]) => checkpoints.get(shardId) === seq), 'every shard checkpointed at its last record', 20_000);
}

describe.concurrent('stream mappings while records flow', () => {
  it('a restart of Sluice mid-stream neither replays nor skips, and no checkpoint goes backwards', async ({ expect, onTestFinished }) => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const router = new StreamRouter(target, { delayMs: 20 });
    const db = await allocateRedisDb();
    const config = { functions: { fn: { http: target.url, timeout: 3 } }, streams: { leaseMs: 3000 } };
    let sluice: TestSluice | undefined = await startTestSluice(config, db);
    onTestFinished(() => sluice?.stop());
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const producer = new Producer(stream.streamName, KEYS, 20);
    onTestFinished(() => producer.stop());
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 5 });
    const watch = new CheckpointWatch(db, uuid);
    onTestFinished(() => watch.close());

    await router.waitForRecords(stream.streamArn, 60);
    // Stop while records flow: the batch in flight ends and is checkpointed (§17).
    const stopping = sluice;
    sluice = undefined;
    await stopping.stop();
    const deliveredAtStop = router.records(stream.streamArn).length;
    const checkpointsAtStop = await watch.sample();
    await producer.waitFor(producer.put.length + 24); // more records while nothing runs
    expect(router.records(stream.streamArn).length).toBe(deliveredAtStop);
    expect(await watch.sample()).toEqual(checkpointsAtStop);

    sluice = await startTestSluice(config, db);
    await pollUntil(() => router.records(stream.streamArn).length >= deliveredAtStop + 40, { description: 'deliveries after the restart', timeoutMs: 15_000 });
    await producer.stop();
    await allCheckpointed(watch, producer);
    expectExactlyOnceInOrder(producer, router.invocations(stream.streamArn), expect);
    await watch.expectNeverBackwards();
  });

  it('an Update of BatchSize while records flow takes effect at a batch boundary, without replay or skip', async ({ expect, onTestFinished }) => {
    // A slow function, so that records pile up and batches fill to BatchSize.
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const router = new StreamRouter(target, { delayMs: 60 });
    const db = await allocateRedisDb();
    const sluice = await startTestSluice(streamSluiceConfig(target), db);
    onTestFinished(() => sluice.stop());
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const producer = new Producer(stream.streamName, KEYS, 20);
    onTestFinished(() => producer.stop());
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 2 });
    const watch = new CheckpointWatch(db, uuid);
    onTestFinished(() => watch.close());

    await router.waitForRecords(stream.streamArn, 40);
    const updateAt = Date.now();
    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 6 }));
    await waitForState(sluice.lambda, uuid, 'Enabled');
    const settledAt = Date.now();
    const deliveredAtUpdate = router.records(stream.streamArn).length;
    await pollUntil(() => router.records(stream.streamArn).length >= deliveredAtUpdate + 60, { description: 'deliveries after the update', timeoutMs: 15_000 });
    await producer.stop();
    await allCheckpointed(watch, producer);

    const invocations = router.invocations(stream.streamArn);
    const sizes = (from: number, to: number) => invocations.filter((r) => r.receivedAt >= from && r.receivedAt < to).map((r) => streamRecordsIn(r).length);
    expect(Math.max(...sizes(0, updateAt))).toBe(2);
    expect(Math.max(...sizes(settledAt, Infinity))).toBe(6);
    expectExactlyOnceInOrder(producer, invocations, expect);
    await watch.expectNeverBackwards();
  });

  it('an Update while a batch waits for a retry abandons it: it is read again from the checkpoint under the new settings', async ({ expect, onTestFinished }) => {
    const { router, sluice, db, stop } = await startStreamTestbed();
    onTestFinished(stop);
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    // The old settings' batch (4 records) always fails; single records succeed.
    router.on(stream.streamArn, (request) => (streamRecordsIn(request).length > 1 ? { status: 500, json: { errorMessage: 'boom' } } : {}));
    const written = await putKinesis(
      stream.streamName,
      ['r0', 'r1', 'r2', 'r3'].map((data) => ({ key: 'k', data })),
    );
    const uuid = await createMapping(sluice.lambda, { FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 4 });
    const watch = new CheckpointWatch(db, uuid);
    onTestFinished(() => watch.close());
    // The batch failed twice and waits for its second retry (2 s, §10; MaximumRetryAttempts -1): the Update lands now.
    await router.waitForInvocations(stream.streamArn, 2);
    const updateAt = Date.now();
    await sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 1 }));
    await waitForState(sluice.lambda, uuid, 'Enabled');
    expect((await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).BatchSize).toBe(1);
    await watch.until((checkpoints) => checkpoints.get(stream.shardIds[0]!) === written[3]!.sequenceNumber, 'checkpoint at the last record');
    const invocations = router.invocations(stream.streamArn).map((r) => ({ at: r.receivedAt, data: streamRecordsIn<KinesisEvent>(r).map(dataOf) }));
    // The retry the old batch was waiting for never came (its wait was cut short by the Update)...
    const old = invocations.filter((i) => i.data.length === 4);
    expect(old).toHaveLength(2);
    for (const i of old) expect(i.at).toBeLessThan(updateAt);
    // ...then its records were read again from the checkpoint, one per batch, each once.
    expect(invocations.filter((i) => i.data.length !== 4).map((i) => i.data)).toEqual([['r0'], ['r1'], ['r2'], ['r3']]);
    await watch.expectNeverBackwards();
  });
});
