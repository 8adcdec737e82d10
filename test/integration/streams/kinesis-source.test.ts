/**
 * The Kinesis StreamSource against kinesis-local: shard listing with lineage and pagination,
 * every iterator position, records in Lambda's shape (streams.md §9.1), shard end, LATEST
 * pinning (§3) and error classification (§4).
 *
 * kinesis-local quirks met here (none is worked around in product code):
 * - A closed shard's EndingSequenceNumber is 9223372036854775807 (Long.MaxValue), not a
 *   sequence number of the shard; AWS answers the shard's last possible number.
 * - An iterator it cannot decode at all ("garbage") makes it answer HTTP 500 with an
 *   unknown error; AWS answers InvalidArgumentException. Invalid iterators below are
 *   therefore well-formed ones (see forgeIterator) whose content is wrong.
 * - AFTER_SEQUENCE_NUMBER of a number the shard never had is ResourceNotFoundException
 *   ("Unable to find record with provided SequenceNumber"); AWS answers
 *   InvalidArgumentException. Both are `positionNotFound`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  StartStreamEncryptionCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startPositionOf } from '../../../src/sources/streams/start-position/pin-latest.js';
import { StreamSourceError } from '../../../src/sources/streams/stream-errors.js';
import type { StreamRecord } from '../../../src/sources/streams/stream-source.js';
import { createStream, kinesisClient, pollUntil, uniqueName, type TestStream } from '../../support/index.js';
import { drain, readFrom, rejectionOf, SLUICE_ACCOUNT_ID, sourceFor } from './helpers.js';

const kinesis = () => kinesisClient();

async function rawShards(stream: TestStream): Promise<Shard[]> {
  return (await kinesis().send(new ListShardsCommand({ StreamARN: stream.streamArn }))).Shards ?? [];
}

/** Puts `data` into the shard whose hash range starts at `hashKey`. */
async function put(stream: TestStream, data: Uint8Array | string, options: { partitionKey?: string; hashKey?: string } = {}) {
  return kinesis().send(
    new PutRecordCommand({
      StreamARN: stream.streamArn,
      PartitionKey: options.partitionKey ?? 'pk',
      Data: typeof data === 'string' ? Buffer.from(data) : data,
      ...(options.hashKey !== undefined ? { ExplicitHashKey: options.hashKey } : {}),
    }),
  );
}

async function waitActive(stream: TestStream): Promise<void> {
  await pollUntil(
    async () =>
      (await kinesis().send(new DescribeStreamSummaryCommand({ StreamARN: stream.streamArn }))).StreamDescriptionSummary?.StreamStatus ===
      'ACTIVE',
    { timeoutMs: 10_000, intervalMs: 20, description: `${stream.streamName} ACTIVE` },
  );
}

async function splitInHalf(stream: TestStream, shard: Shard): Promise<void> {
  const { StartingHashKey, EndingHashKey } = shard.HashKeyRange!;
  const middle = (BigInt(StartingHashKey!) + BigInt(EndingHashKey!)) / 2n;
  await kinesis().send(new SplitShardCommand({ StreamARN: stream.streamArn, ShardToSplit: shard.ShardId!, NewStartingHashKey: String(middle) }));
  await waitActive(stream);
}

const sequenceNumbers = (records: StreamRecord[]) => records.map((r) => r.sequenceNumber);
const dataOf = (record: StreamRecord) => Buffer.from((record.event.kinesis as { data: string }).data, 'base64').toString('utf8');

// kinesis-local's shard iterator is base64( 8 bytes | AES-256-CBC("<ms, 14 digits>/<stream>/<shard>/<seq>/<37 zeros>") )
// with a key and IV fixed in its source (kinesis.mock.models.ShardIterator); it refuses an
// iterator older than 300 s with ExpiredIteratorException, like AWS. Forging one is the only
// way to see that refusal without waiting five minutes.
const ITERATOR_KEY = Buffer.from('1133a5a833666b49abf28c8ba302930f0b2fb240dccd43cf4dfbc0ca91f17751', 'hex');
const ITERATOR_IV = Buffer.from('7bf139dbabbea2d9995d6fcae1dff7da', 'hex');

function forgeIterator(real: string, edit: (plain: string) => string): string {
  const bytes = Buffer.from(real, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', ITERATOR_KEY, ITERATOR_IV);
  const plain = Buffer.concat([decipher.update(bytes.subarray(8)), decipher.final()]).toString('utf8');
  const cipher = createCipheriv('aes-256-cbc', ITERATOR_KEY, ITERATOR_IV);
  return Buffer.concat([bytes.subarray(0, 8), cipher.update(edit(plain), 'utf8'), cipher.final()]).toString('base64');
}

describe('Kinesis listShards', () => {
  it('lists every shard of a 3-shard stream, open, across pages of one', async () => {
    const stream = await createStream({ shardCount: 3 });
    onTestFinished(stream.cleanup);
    const { source, clients } = sourceFor(stream.streamArn, { shardPageSize: 1 });
    const send = vi.spyOn(clients.get('kinesis', 'us-east-1'), 'send');

    const shards = await source.listShards();
    expect(shards.map((s) => s.shardId)).toEqual(stream.shardIds);
    for (const shard of shards) {
      expect(shard.startingSequenceNumber).toMatch(/^\d+$/);
      expect(shard).not.toHaveProperty('endingSequenceNumber');
      expect(shard).not.toHaveProperty('parentShardId');
    }
    // One page per shard, plus none: the third page carries no NextToken.
    const calls = send.mock.calls.map(([command]) => command.input as Record<string, unknown>);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toEqual({ StreamARN: stream.streamArn, MaxResults: 1 });
    expect(calls[1]).toEqual({ NextToken: expect.any(String), MaxResults: 1 });
  });

  it('after SplitShard and MergeShards: parents closed, children with their lineage', async () => {
    const stream = await createStream({ shardCount: 3 });
    onTestFinished(stream.cleanup);
    const [s0, s1, s2] = await rawShards(stream);
    await splitInHalf(stream, s0!);
    await kinesis().send(new MergeShardsCommand({ StreamARN: stream.streamArn, ShardToMerge: s1!.ShardId!, AdjacentShardToMerge: s2!.ShardId! }));
    await waitActive(stream);

    const { source } = sourceFor(stream.streamArn, { shardPageSize: 2 });
    const shards = await source.listShards();
    const byId = new Map(shards.map((s) => [s.shardId, s]));
    expect(shards).toHaveLength(6);
    for (const parent of [s0!, s1!, s2!]) expect(byId.get(parent.ShardId!)?.endingSequenceNumber).toMatch(/^\d+$/);

    const children = shards.filter((s) => !stream.shardIds.includes(s.shardId));
    expect(children).toHaveLength(3);
    const splitChildren = children.filter((c) => c.parentShardId === s0!.ShardId);
    expect(splitChildren).toHaveLength(2);
    for (const child of splitChildren) {
      expect(child).not.toHaveProperty('adjacentParentShardId');
      expect(child).not.toHaveProperty('endingSequenceNumber');
    }
    const merged = children.find((c) => c.parentShardId === s1!.ShardId);
    expect(merged).toMatchObject({ parentShardId: s1!.ShardId, adjacentParentShardId: s2!.ShardId });
    expect(merged).not.toHaveProperty('endingSequenceNumber');
  });
});

describe('Kinesis iterators', () => {
  it('reads from TRIM_HORIZON, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP and LATEST', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const shardId = stream.shardIds[0]!;
    const puts = [];
    for (const data of ['one', 'two', 'three']) {
      puts.push(await put(stream, data));
      await sleep(15); // distinct arrival milliseconds
    }
    const [one, two, three] = puts.map((p) => p.SequenceNumber!);
    const { source } = sourceFor(stream.streamArn);

    const all = await readFrom(source, shardId, { type: 'TRIM_HORIZON' });
    expect(sequenceNumbers(all)).toEqual([one, two, three]);
    expect(sequenceNumbers(await readFrom(source, shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: two! }))).toEqual([two, three]);
    expect(sequenceNumbers(await readFrom(source, shardId, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: two! }))).toEqual([three]);
    expect(await readFrom(source, shardId, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: three! })).toEqual([]);

    // AT_TIMESTAMP: the first record whose arrival is >= the timestamp.
    const arrivalOfTwo = all[1]!.arrivalTime;
    expect(sequenceNumbers(await readFrom(source, shardId, { type: 'AT_TIMESTAMP', timestamp: new Date(arrivalOfTwo) }))).toEqual([two, three]);
    expect(sequenceNumbers(await readFrom(source, shardId, { type: 'AT_TIMESTAMP', timestamp: new Date(arrivalOfTwo + 1) }))).toEqual([three]);

    // LATEST: nothing of what is there; what comes next.
    const latest = (await source.getIterator(shardId, { type: 'LATEST' }))!;
    const empty = await source.read(shardId, latest, 100);
    expect(empty.records).toEqual([]);
    expect(empty.millisBehindLatest).toBe(0);
    const four = (await put(stream, 'four')).SequenceNumber!;
    const after = await source.read(shardId, empty.nextIterator!, 100);
    expect(sequenceNumbers(after.records)).toEqual([four]);
  });

  it('caps Limit at 10 000 and honours smaller limits', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    for (const data of ['a', 'b', 'c']) await put(stream, data);
    const { source } = sourceFor(stream.streamArn);
    const shardId = stream.shardIds[0]!;
    const one = await source.read(shardId, (await source.getIterator(shardId, { type: 'TRIM_HORIZON' }))!, 1);
    expect(one.records).toHaveLength(1);
    const rest = await source.read(shardId, one.nextIterator!, 2);
    expect(rest.records.map(dataOf)).toEqual(['b', 'c']);
    // kinesis-local refuses Limit 10 001 (InvalidArgumentException), as AWS does: the source clamps.
    const big = await source.read(shardId, (await source.getIterator(shardId, { type: 'TRIM_HORIZON' }))!, 50_000);
    expect(big.records).toHaveLength(3);
  });
});

describe('Kinesis records', () => {
  it('are Lambda event records, field by field and in key order (§9.1)', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i); // every byte value, not UTF-8
    const putResult = await put(stream, bytes, { partitionKey: 'clé-1' });
    const shardId = putResult.ShardId!;
    const { source } = sourceFor(stream.streamArn);

    const [record] = await readFrom(source, shardId, { type: 'TRIM_HORIZON' });
    // What the stream itself says about the record.
    const rawIterator = await kinesis().send(new GetShardIteratorCommand({ StreamARN: stream.streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const [raw] = (await kinesis().send(new GetRecordsCommand({ ShardIterator: rawIterator.ShardIterator! }))).Records!;
    const arrivalMs = raw!.ApproximateArrivalTimestamp!.getTime();

    const expected = {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'clé-1',
        sequenceNumber: putResult.SequenceNumber,
        data: Buffer.from(bytes).toString('base64'),
        approximateArrivalTimestamp: arrivalMs / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${putResult.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${SLUICE_ACCOUNT_ID}:role/lambda-role`,
      awsRegion: 'us-east-1',
      eventSourceARN: stream.streamArn,
    };
    // Same text, so same keys, values and order.
    expect(JSON.stringify(record!.event)).toBe(JSON.stringify(expected));
    expect(Buffer.from(expected.kinesis.data, 'base64')).toEqual(Buffer.from(bytes));
    // Epoch seconds with the millisecond fraction: prints like 1545084650.987.
    expect(String(expected.kinesis.approximateArrivalTimestamp)).toMatch(/^\d{10}(\.\d{1,3})?$/);

    expect(record!.sequenceNumber).toBe(putResult.SequenceNumber);
    expect(record!.partitionKey).toBe('clé-1');
    expect(record!.arrivalTime).toBe(arrivalMs);
    expect(record!.sizeBytes).toBe(Buffer.byteLength(JSON.stringify(expected), 'utf8'));
  });

  it('carry encryptionType KMS (last in `kinesis`) once the stream encrypts, and the configured invokeIdentityArn', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    await put(stream, 'plain');
    await kinesis().send(new StartStreamEncryptionCommand({ StreamARN: stream.streamArn, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    await waitActive(stream);
    await put(stream, 'encrypted');
    const role = 'arn:aws:iam::111122223333:role/my-function-role';
    const { source } = sourceFor(stream.streamArn, { invokeIdentityArn: role });

    const [plain, encrypted] = await readFrom(source, stream.shardIds[0]!, { type: 'TRIM_HORIZON' });
    expect(Object.keys(plain!.event.kinesis as object)).toEqual([
      'kinesisSchemaVersion',
      'partitionKey',
      'sequenceNumber',
      'data',
      'approximateArrivalTimestamp',
    ]);
    expect(Object.keys(encrypted!.event.kinesis as object)).toEqual([
      'kinesisSchemaVersion',
      'partitionKey',
      'sequenceNumber',
      'data',
      'approximateArrivalTimestamp',
      'encryptionType',
    ]);
    expect((encrypted!.event.kinesis as { encryptionType: string }).encryptionType).toBe('KMS');
    expect(encrypted!.event.invokeIdentityArn).toBe(role);
  });

  it('of a consumer ARN are read through the stream and carry the stream ARN', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const { Consumer } = await kinesis().send(new RegisterStreamConsumerCommand({ StreamARN: stream.streamArn, ConsumerName: uniqueName('c') }));
    const consumerArn = Consumer!.ConsumerARN!;
    expect(consumerArn).toContain('/consumer/');
    await put(stream, 'via consumer');
    const { source } = sourceFor(consumerArn);
    expect(source.eventSourceArn).toBe(consumerArn);
    expect(source.streamArn).toBe(stream.streamArn);
    expect((await source.listShards()).map((s) => s.shardId)).toEqual(stream.shardIds);
    const [record] = await readFrom(source, stream.shardIds[0]!, { type: 'TRIM_HORIZON' });
    expect(record!.event.eventSourceARN).toBe(stream.streamArn);
  });
});

describe('Kinesis shard end', () => {
  it('a split parent yields its records, then no next iterator; its children go on', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const [shard] = await rawShards(stream);
    const before = [(await put(stream, 'a')).SequenceNumber, (await put(stream, 'b')).SequenceNumber];
    const { source } = sourceFor(stream.streamArn);

    // Open: drained, but the iterator goes on.
    const open = await drain(source, shard!.ShardId!, (await source.getIterator(shard!.ShardId!, { type: 'TRIM_HORIZON' }))!);
    expect(open.ended).toBe(false);
    expect(open.nextIterator).toEqual(expect.any(String));

    await splitInHalf(stream, shard!);
    // The iterator from before the split now reaches the end.
    const last = await source.read(shard!.ShardId!, open.nextIterator!, 100);
    expect(last.records).toEqual([]);
    expect(last.nextIterator).toBeUndefined();

    const closed = await drain(source, shard!.ShardId!, (await source.getIterator(shard!.ShardId!, { type: 'TRIM_HORIZON' }))!);
    expect(closed.ended).toBe(true);
    expect(sequenceNumbers(closed.records)).toEqual(before);

    const children = (await source.listShards()).filter((s) => s.parentShardId === shard!.ShardId);
    expect(children).toHaveLength(2);
    const after = await put(stream, 'c');
    expect(children.map((c) => c.shardId)).toContain(after.ShardId);
    expect(sequenceNumbers(await readFrom(source, after.ShardId!, { type: 'TRIM_HORIZON' }))).toEqual([after.SequenceNumber]);
  });
});

describe('Kinesis pinLatest', () => {
  it('pins each open shard after its last record, an empty one at its start, a closed one as ended', async () => {
    const stream = await createStream({ shardCount: 3 });
    onTestFinished(stream.cleanup);
    const [s0, s1, s2] = await rawShards(stream);
    const toShard = (shard: Shard) => ({ hashKey: shard.HashKeyRange!.StartingHashKey! });
    await put(stream, 'old-0a', toShard(s0!));
    const lastOf0 = (await put(stream, 'old-0b', toShard(s0!))).SequenceNumber!;
    await put(stream, 'old-1', toShard(s1!));
    await splitInHalf(stream, s1!);
    const { source } = sourceFor(stream.streamArn);

    const pins = await source.pinLatest();
    const byId = Object.fromEntries(pins.map((p) => [p.shardId, p.start]));
    expect(byId[s0!.ShardId!]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastOf0 });
    expect(byId[s1!.ShardId!]).toEqual({ type: 'SHARD_END' });
    expect(byId[s2!.ShardId!]).toEqual({ type: 'SHARD_START' });
    const children = pins.filter((p) => !stream.shardIds.includes(p.shardId));
    expect(children.map((c) => c.start)).toEqual([{ type: 'SHARD_START' }, { type: 'SHARD_START' }]);

    // Records written after the pin are exactly what reading from the pins yields.
    const new0 = (await put(stream, 'new-0', toShard(s0!))).SequenceNumber!;
    const new2 = (await put(stream, 'new-2', toShard(s2!))).SequenceNumber!;
    expect(sequenceNumbers(await readFrom(source, s0!.ShardId!, startPositionOf(byId[s0!.ShardId!]!)!))).toEqual([new0]);
    expect(sequenceNumbers(await readFrom(source, s2!.ShardId!, startPositionOf(byId[s2!.ShardId!]!)!))).toEqual([new2]);
  });

  it('reports the retention period', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    expect(await sourceFor(stream.streamArn).source.retentionMs()).toBe(24 * 3600 * 1000);
  });
});

describe('Kinesis errors', () => {
  it('a missing stream is notFound, from every call', async () => {
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${uniqueName('missing')}`;
    const { source } = sourceFor(arn);
    const listing = await rejectionOf(source.listShards());
    expect(listing).toBeInstanceOf(StreamSourceError);
    expect(listing).toMatchObject({ kind: 'notFound', code: 'ResourceNotFoundException', operation: 'ListShards', streamArn: arn });
    const iterator = await rejectionOf(source.getIterator('shardId-000000000000', { type: 'TRIM_HORIZON' }));
    expect(iterator).toMatchObject({ kind: 'notFound', operation: 'GetShardIterator', shardId: 'shardId-000000000000' });
  });

  it('a missing shard is notFound; an unknown sequence number positionNotFound; a future timestamp invalidArgument', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    await put(stream, 'x');
    const { source } = sourceFor(stream.streamArn);
    expect(await rejectionOf(source.getIterator('shardId-000000000099', { type: 'LATEST' }))).toMatchObject({ kind: 'notFound' });
    expect(await rejectionOf(source.getIterator(stream.shardIds[0]!, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1' }))).toMatchObject({
      kind: 'positionNotFound',
    });
    expect(
      await rejectionOf(source.getIterator(stream.shardIds[0]!, { type: 'AT_TIMESTAMP', timestamp: new Date(Date.now() + 3_600_000) })),
    ).toMatchObject({ kind: 'invalidArgument', code: 'InvalidArgumentException' });
  });

  it('an iterator older than 300 s is expiredIterator; a malformed one invalidIterator', async () => {
    const stream = await createStream();
    onTestFinished(stream.cleanup);
    const { source } = sourceFor(stream.streamArn);
    const shardId = stream.shardIds[0]!;
    const real = (await source.getIterator(shardId, { type: 'TRIM_HORIZON' }))!;
    // Sanity: the forging round-trips, so only the edit below makes the difference.
    expect((await source.read(shardId, forgeIterator(real, (p) => p), 10)).nextIterator).toEqual(expect.any(String));

    const expired = forgeIterator(real, (plain) => [String(Date.now() - 301_000).padStart(14, '0'), ...plain.split('/').slice(1)].join('/'));
    const error = await rejectionOf(source.read(shardId, expired, 10));
    expect(error).toBeInstanceOf(StreamSourceError);
    expect(error).toMatchObject({ kind: 'expiredIterator', code: 'ExpiredIteratorException', operation: 'GetRecords', shardId });

    const malformed = forgeIterator(real, () => 'not/an/iterator');
    expect(await rejectionOf(source.read(shardId, malformed, 10))).toMatchObject({ kind: 'invalidIterator', code: 'InvalidArgumentException' });
  });
});
