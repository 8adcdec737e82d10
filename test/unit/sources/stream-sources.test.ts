/**
 * The adapters with fake SDK clients, for what the emulators cannot show: DynamoDB streams
 * with several shards (DescribeStream pages, lineage), the key-schema lookup behind lane
 * keys, a Kinesis listing whose NextToken expires; and createStreamSource's choice.
 */
import { ExpiredNextTokenException } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema } from '../../../src/config/index.js';
import { KEY_SCHEMA_RETRY_MS } from '../../../src/sources/dynamodb/dynamodb-source.js';
import { clampLimit, toStreamRecord } from '../../../src/sources/streams/stream-record.js';
import { createStreamSource } from '../../../src/sources/stream-sources.js';
import type { StreamSource } from '../../../src/sources/streams/stream-source.js';

const DDB_STREAM = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2025-11-25T15:47:00.000';
const KINESIS_STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/orders';

type Handler = (name: string, input: Record<string, unknown>) => unknown;

/** AwsClients whose clients answer with `handler` and record every call. */
function fakeClients(handler: Handler) {
  const calls: Array<{ service: string; name: string; input: Record<string, unknown> }> = [];
  const clients = {
    get: (service: string) => ({
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.push({ service, name, input: command.input });
        return handler(name, command.input);
      },
    }),
  } as unknown as AwsClients;
  return { clients, calls };
}

function source(arn: string, handler: Handler, shardPageSize?: number): { source: StreamSource; calls: ReturnType<typeof fakeClients>['calls'] } {
  const { clients, calls } = fakeClients(handler);
  return { source: createStreamSource(arn, { clients, accountId: '123456789012', ...(shardPageSize ? { shardPageSize } : {}) }), calls };
}

const streamRecord = (pk: string, sequenceNumber: string) => ({
  eventID: `e${sequenceNumber}`,
  eventName: 'INSERT',
  dynamodb: { Keys: { sk: { N: '1' }, pk: { S: pk } }, SequenceNumber: sequenceNumber, SizeBytes: 10, ApproximateCreationDateTime: new Date(1732500000000) },
});

afterEach(() => {
  vi.useRealTimers();
});

describe('DynamoDB listShards', () => {
  it('follows LastEvaluatedShardId through every page and keeps the lineage', async () => {
    const pages: Record<string, unknown> = {
      first: { Shards: [{ ShardId: 'shardId-a', SequenceNumberRange: { StartingSequenceNumber: '100', EndingSequenceNumber: '199' } }, { ShardId: 'shardId-b', ParentShardId: 'shardId-a', SequenceNumberRange: { StartingSequenceNumber: '200', EndingSequenceNumber: '299' } }], LastEvaluatedShardId: 'shardId-b' },
      'shardId-b': { Shards: [{ ShardId: 'shardId-c', ParentShardId: 'shardId-b', SequenceNumberRange: { StartingSequenceNumber: '300' } }] },
    };
    const { source: s, calls } = source(DDB_STREAM, (name, input) => {
      expect(name).toBe('DescribeStream');
      return { StreamDescription: pages[(input.ExclusiveStartShardId as string | undefined) ?? 'first'] };
    }, 2);
    expect(await s.listShards()).toEqual([
      { shardId: 'shardId-a', startingSequenceNumber: '100', endingSequenceNumber: '199' },
      { shardId: 'shardId-b', parentShardId: 'shardId-a', startingSequenceNumber: '200', endingSequenceNumber: '299' },
      { shardId: 'shardId-c', parentShardId: 'shardId-b', startingSequenceNumber: '300' },
    ]);
    expect(calls.map((c) => c.input)).toEqual([
      { StreamArn: DDB_STREAM, Limit: 2 },
      { StreamArn: DDB_STREAM, Limit: 2, ExclusiveStartShardId: 'shardId-b' },
    ]);
  });
});

describe('DynamoDB lane keys', () => {
  it('come from DescribeTable on the table of the stream ARN, asked once', async () => {
    let reads = 0;
    const { source: s, calls } = source(DDB_STREAM, (name) => {
      if (name === 'DescribeTable') return { Table: { KeySchema: [{ AttributeName: 'sk', KeyType: 'RANGE' }, { AttributeName: 'pk', KeyType: 'HASH' }] } };
      if (name === 'GetRecords') return { Records: [streamRecord('a', String(++reads))], NextShardIterator: 'next' };
      throw new Error(name);
    });
    const [first, second] = await Promise.all([s.read('shardId-a', 'it', 10), s.read('shardId-a', 'it', 10)]);
    expect(first.records[0]!.partitionKey).toBe('{"S":"a"}');
    expect(second.records[0]!.partitionKey).toBe('{"S":"a"}');
    await s.read('shardId-a', 'it', 10);
    const describes = calls.filter((c) => c.name === 'DescribeTable');
    expect(describes).toEqual([{ service: 'dynamodb', name: 'DescribeTable', input: { TableName: 'orders' } }]);
  });

  it("are '' while DescribeTable fails, asked again only after a pause; an empty read does not ask", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let tableAnswers = false;
    const { source: s, calls } = source(DDB_STREAM, (name) => {
      if (name === 'DescribeTable') {
        if (!tableAnswers) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
        return { Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } };
      }
      if (name === 'GetRecords') return { Records: [streamRecord('a', '1')], NextShardIterator: 'next' };
      throw new Error(name);
    });
    const describes = () => calls.filter((c) => c.name === 'DescribeTable').length;
    expect((await s.read('shardId-a', 'it', 10)).records[0]!.partitionKey).toBe('');
    tableAnswers = true;
    expect((await s.read('shardId-a', 'it', 10)).records[0]!.partitionKey).toBe('');
    expect(describes()).toBe(1);
    vi.setSystemTime(Date.now() + KEY_SCHEMA_RETRY_MS + 1);
    expect((await s.read('shardId-a', 'it', 10)).records[0]!.partitionKey).toBe('{"S":"a"}');
    expect(describes()).toBe(2);

    const { source: idle, calls: idleCalls } = source(DDB_STREAM, () => ({ Records: [], NextShardIterator: 'next' }));
    await idle.read('shardId-a', 'it', 10);
    expect(idleCalls.map((c) => c.name)).toEqual(['GetRecords']);
  });

  it('ask GetRecords for at most 1 000 records', async () => {
    const { source: s, calls } = source(DDB_STREAM, () => ({ Records: [] }));
    const result = await s.read('shardId-a', 'it', 5000);
    expect(calls[0]!.input).toEqual({ ShardIterator: 'it', Limit: 1000 });
    expect(result).toEqual({ records: [] }); // no NextShardIterator: the shard ended
  });
});

describe('Kinesis listShards', () => {
  it('starts over when the NextToken expired mid-listing', async () => {
    let expireOnce = true;
    const { source: s, calls } = source(KINESIS_STREAM, (name, input) => {
      expect(name).toBe('ListShards');
      if (input.NextToken === undefined) return { Shards: [{ ShardId: 'shardId-000000000000' }], NextToken: 'token-1' };
      if (expireOnce) {
        expireOnce = false;
        throw new ExpiredNextTokenException({ message: 'expired', $metadata: { httpStatusCode: 400 } });
      }
      return { Shards: [{ ShardId: 'shardId-000000000001' }] };
    });
    expect((await s.listShards()).map((shard) => shard.shardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(calls.map((c) => c.input)).toEqual([{ StreamARN: KINESIS_STREAM }, { NextToken: 'token-1' }, { StreamARN: KINESIS_STREAM }, { NextToken: 'token-1' }]);
  });
});

describe('createStreamSource', () => {
  const clients = new AwsClients(configSchema.parse({}));

  it('picks the adapter from the ARN; a consumer reads its stream', () => {
    const k = createStreamSource(KINESIS_STREAM, { clients, accountId: '123456789012' });
    expect(k.traits).toEqual({ type: 'kinesis', maxRecordsPerRead: 10_000, defaultIdlePollMs: 1_000, defaultMinReadIntervalMs: 200, batchInfoKey: 'KinesisBatchInfo', arrivalTimePrecision: 'milliseconds' });
    expect(k.streamArn).toBe(KINESIS_STREAM);
    const consumer = `${KINESIS_STREAM}/consumer/app:1700000000`;
    const c = createStreamSource(consumer, { clients, accountId: '123456789012' });
    expect(c).toMatchObject({ eventSourceArn: consumer, streamArn: KINESIS_STREAM });
    const d = createStreamSource(DDB_STREAM, { clients, accountId: '123456789012' });
    expect(d.traits).toEqual({ type: 'dynamodb', maxRecordsPerRead: 1_000, defaultIdlePollMs: 250, defaultMinReadIntervalMs: 0, batchInfoKey: 'DDBStreamBatchInfo', arrivalTimePrecision: 'seconds' });
    expect(d.streamArn).toBe(DDB_STREAM);
  });

  it('each adapter brings its filter view: Kinesis flattens and decodes data, DynamoDB filters the record as it is', () => {
    const data = Buffer.from(JSON.stringify({ amount: 5 })).toString('base64');
    const kinesisEvent = { eventSource: 'aws:kinesis', kinesis: { partitionKey: 'p', data } };
    expect(createStreamSource(KINESIS_STREAM, { clients, accountId: '123456789012' }).filterView(kinesisEvent)).toEqual({
      eventSource: 'aws:kinesis',
      partitionKey: 'p',
      data: { amount: 5 },
    });
    const ddbEvent = { eventName: 'INSERT', dynamodb: { NewImage: { id: { S: 'a' } } } };
    expect(createStreamSource(DDB_STREAM, { clients, accountId: '123456789012' }).filterView(ddbEvent)).toBe(ddbEvent);
  });

  it('refuses what is not a stream', () => {
    expect(() => createStreamSource('arn:aws:sqs:us-east-1:123456789012:queue', { clients, accountId: '123456789012' })).toThrow(TypeError);
    expect(() => createStreamSource('not an arn', { clients, accountId: '123456789012' })).toThrow(TypeError);
  });
});

describe('stream record helpers', () => {
  it('measure the event as UTF-8 JSON bytes', () => {
    const record = toStreamRecord('1', 'k', 0, { text: 'é€😀' });
    expect(record.sizeBytes).toBe(Buffer.byteLength('{"text":"é€😀"}', 'utf8'));
    expect(record.sizeBytes).toBe(11 + 2 + 3 + 4);
  });

  it('clamp GetRecords limits to 1..max', () => {
    expect(clampLimit(0, 1000)).toBe(1);
    expect(clampLimit(-5, 1000)).toBe(1);
    expect(clampLimit(2.7, 1000)).toBe(2);
    expect(clampLimit(1000, 1000)).toBe(1000);
    expect(clampLimit(1001, 1000)).toBe(1000);
    expect(clampLimit(Number.POSITIVE_INFINITY, 1000)).toBe(1000);
    expect(clampLimit(Number.NaN, 1000)).toBe(1000);
  });
});

