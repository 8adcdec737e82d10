/**
 * Stream rows: one stream filled beforehand and read from TRIM_HORIZON by every contender
 * in turn (reading does not consume; Sluice gets a fresh key prefix, so no checkpoint);
 * timed until the sink has counted every record.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { scaled, type Bed, type RunningSluice } from '../support/bed.js';
import { startContender } from '../support/contender.js';
import { timedDrain, type Drain } from '../support/measure.js';
import { ceilingRow, ratioText, type Row } from '../support/table.js';
import { rateText } from './sqs.js';

export const KINESIS_RECORDS = scaled(50_000, 500);
const DYNAMODB_ITEMS = scaled(10_000, 200);
const DRAIN_TIMEOUT_MS = 600_000;

export interface Stream {
  /** Kinesis: the stream name; DynamoDB: the stream ARN (what GetShardIterator takes). */
  name: string;
  arn: string;
  source: 'kinesis' | 'dynamodb';
  endpoint: string;
}

let streamNumber = 0;

export async function createStream(bed: Bed, shards: number): Promise<Stream> {
  const name = `bench-${process.pid}-${streamNumber++}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await bed.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      break;
    } catch (error) {
      // kinesis-local allows few streams CREATING at once, as AWS does: wait and retry.
      if ((error as Error).name !== 'LimitExceededException' || attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (;;) {
    const { StreamDescriptionSummary: s } = await bed.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s?.StreamStatus === 'ACTIVE') return { name, arn: s.StreamARN!, source: 'kinesis', endpoint: bed.kinesisEndpoint };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Puts `count` records of about 220 bytes over 97 partition keys, 500 per call, 4 calls at once; refused entries are put again. */
export async function fillStream(kinesis: KinesisClient, stream: string, count: number): Promise<void> {
  const data = Buffer.from(JSON.stringify({ order: 'x'.repeat(200) }));
  const calls = Array.from({ length: Math.ceil(count / 500) }, (_, c) => c);
  for (let i = 0; i < calls.length; i += 4) {
    await Promise.all(
      calls.slice(i, i + 4).map(async (c) => {
        let entries = Array.from({ length: Math.min(500, count - c * 500) }, (_, j) => ({ PartitionKey: `key-${(c * 500 + j) % 97}`, Data: data }));
        while (entries.length > 0) {
          const { Records = [] } = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
          entries = entries.filter((_, j) => Records[j]?.ErrorCode);
          // Refused entries (a shard's 1,000 records/s): back off, or the retries starve the emulator.
          if (entries.length > 0) await new Promise((r) => setTimeout(r, 250));
        }
      }),
    );
  }
}

async function dynamodbStream(bed: Bed, items: number): Promise<Stream> {
  const table = `bench-${process.pid}-${streamNumber++}`;
  await bed.dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const { Table } = await bed.dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const filler = 'x'.repeat(200);
  const calls = Array.from({ length: Math.ceil(items / 25) }, (_, c) => c);
  for (let i = 0; i < calls.length; i += 4) {
    await Promise.all(
      calls.slice(i, i + 4).map(async (c) => {
        let requests: NonNullable<ConstructorParameters<typeof BatchWriteItemCommand>[0]['RequestItems']>[string] = Array.from(
          { length: Math.min(25, items - c * 25) },
          (_, j) => ({ PutRequest: { Item: { pk: { S: `item-${c * 25 + j}` }, order: { S: filler } } } }),
        );
        while (requests.length > 0) {
          const { UnprocessedItems = {} } = await bed.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
          requests = UnprocessedItems[table] ?? [];
        }
      }),
    );
  }
  const arn = Table!.LatestStreamArn!;
  return { name: arn, arn, source: 'dynamodb', endpoint: bed.dynamodbEndpoint };
}

export async function rawStreamDrain(bed: Bed, stream: Stream, records: number, batchSize: number): Promise<Drain> {
  const contender = await startContender('stream-raw.ts', {
    SOURCE: stream.source,
    ENDPOINT: stream.endpoint,
    STREAM: stream.name,
    STREAM_ARN: stream.arn,
    BATCH_SIZE: batchSize,
    SINK_URL: bed.sink.url,
  });
  try {
    return await timedDrain(bed, records, contender.cpuMs, contender.go, () => bed.sink.untilRecords(records, DRAIN_TIMEOUT_MS));
  } finally {
    await contender.stop();
  }
}

export interface SluiceStreamDrain extends Drain {
  batches: number;
  redisPerBatch: number;
}

/** `processes` Sluice processes (one key prefix) reading `stream` through one mapping. */
export async function sluiceStreamDrain(bed: Bed, stream: Stream, records: number, batchSize: number, processes = 1): Promise<SluiceStreamDrain> {
  const keyPrefix = `str${process.pid}x${streamNumber++}`;
  const sluices: RunningSluice[] = [];
  try {
    for (let i = 0; i < processes; i++) sluices.push(await bed.sluice({ keyPrefix }));
    const drain = await timedDrain(
      bed,
      records,
      () => sluices.reduce((sum, s) => sum + s.cpuMs(), 0),
      async () => {
        await sluices[0]!.lambda.send(
          new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.arn, StartingPosition: 'TRIM_HORIZON', BatchSize: batchSize }),
        );
      },
      () => bed.sink.untilRecords(records, DRAIN_TIMEOUT_MS),
    );
    const batches = (await bed.sink.stats()).batches;
    return { ...drain, batches, redisPerBatch: drain.redisCalls / batches };
  } finally {
    for (const s of sluices) s.close();
  }
}

/** Raw and Sluice rows of one batch size on one stream. */
async function pair(bed: Bed, caseName: string, stream: Stream, records: number, batchSize: number, rawName: string): Promise<Row[]> {
  const raw = await rawStreamDrain(bed, stream, records, batchSize);
  const sluice = await sluiceStreamDrain(bed, stream, records, batchSize);
  return [
    { case: caseName, contender: rawName, result: rateText(raw), cpuMsPer1k: raw.cpuPer1k, vsRaw: '1.00 (baseline)', data: { ...raw, batchSize } },
    {
      case: caseName,
      contender: 'Sluice, http target',
      result: rateText(sluice),
      cpuMsPer1k: sluice.cpuPer1k,
      vsRaw: ratioText(sluice.rate, sluice.cpuPer1k, raw),
      redisPerBatch: sluice.redisPerBatch,
      data: { ...sluice, batchSize },
    },
    ...(batchSize === 100 ? [ceilingRow(caseName, sluice.redisPerBatch, batchSize)] : []),
  ];
}

let filled: Promise<Stream> | undefined;
/** The 4-shard stream holding KINESIS_RECORDS records, filled once per run (reading does not consume it). */
export function filledKinesisStream(bed: Bed): Promise<Stream> {
  filled ??= (async () => {
    const stream = await createStream(bed, 4);
    await fillStream(bed.kinesis, stream.name, KINESIS_RECORDS);
    return stream;
  })();
  return filled;
}

export async function kinesisRows(bed: Bed): Promise<Row[]> {
  const stream = await filledKinesisStream(bed);
  const n = KINESIS_RECORDS.toLocaleString('en-US');
  return [
    ...(await pair(bed, `Kinesis 4 shards, BatchSize 100, ${n} records`, stream, KINESIS_RECORDS, 100, 'raw loop per shard, GetRecords Limit 10,000')),
    ...(await pair(bed, `Kinesis 4 shards, BatchSize 1,000, ${n} records`, stream, KINESIS_RECORDS, 1000, 'raw loop per shard, GetRecords Limit 10,000')),
  ];
}

export async function dynamodbRows(bed: Bed): Promise<Row[]> {
  const stream = await dynamodbStream(bed, DYNAMODB_ITEMS);
  const n = DYNAMODB_ITEMS.toLocaleString('en-US');
  return pair(bed, `DynamoDB Streams, BatchSize 100, ${n} items`, stream, DYNAMODB_ITEMS, 100, 'raw loop per shard, GetRecords Limit 1,000');
}

