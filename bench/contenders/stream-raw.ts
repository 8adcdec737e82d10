/**
 * The raw stream loop a user would write, one loop per shard in this one process: GetRecords
 * at the service's maximum (Limit 10,000 for Kinesis, 1,000 for DynamoDB Streams), then the
 * records cut into batches of BATCH_SIZE, each POSTed to the sink as a Lambda event, in
 * order, before the next GetRecords. An empty read sleeps IDLE_POLL_MS.
 *
 * Env: SOURCE (kinesis | dynamodb), ENDPOINT, STREAM (Kinesis stream name, or DynamoDB
 * stream ARN), STREAM_ARN, BATCH_SIZE, SINK_URL, START (TRIM_HORIZON | LATEST), IDLE_POLL_MS (50).
 */
import {
  GetRecordsCommand as KinesisGetRecords,
  GetShardIteratorCommand as KinesisGetShardIterator,
  KinesisClient,
  ListShardsCommand,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand as DynamoGetRecords,
  GetShardIteratorCommand as DynamoGetShardIterator,
  type _Record as DynamoRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { postJson, readyThenGo, setting, sleep } from './child.js';

const source = setting('SOURCE');
const endpoint = setting('ENDPOINT');
const stream = setting('STREAM');
const streamArn = setting('STREAM_ARN');
const batchSize = Number(setting('BATCH_SIZE'));
const sink = new URL(setting('SINK_URL'));
const start = setting('START', 'TRIM_HORIZON') as 'TRIM_HORIZON' | 'LATEST';
const idlePollMs = Number(setting('IDLE_POLL_MS', '50'));
const clientConfig = { endpoint, region: 'us-east-1', requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }) };

/** One shard's reader: the next page of Lambda event records, or undefined once the shard is closed. */
type Reader = () => Promise<unknown[] | undefined>;

async function kinesisReaders(): Promise<Reader[]> {
  const kinesis = new KinesisClient(clientConfig);
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  return Promise.all(
    Shards.map(async ({ ShardId }) => {
      let { ShardIterator: iterator } = await kinesis.send(new KinesisGetShardIterator({ StreamName: stream, ShardId, ShardIteratorType: start }));
      const event = (r: KinesisRecord) => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.PartitionKey,
          sequenceNumber: r.SequenceNumber,
          data: Buffer.from(r.Data!).toString('base64'),
          approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${ShardId}:${r.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
        awsRegion: 'us-east-1',
        eventSourceARN: streamArn,
      });
      return async () => {
        if (!iterator) return undefined;
        const page = await kinesis.send(new KinesisGetRecords({ ShardIterator: iterator, Limit: 10_000 }));
        iterator = page.NextShardIterator;
        return (page.Records ?? []).map(event);
      };
    }),
  );
}

async function dynamodbReaders(): Promise<Reader[]> {
  const streams = new DynamoDBStreamsClient(clientConfig);
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: stream }));
  return Promise.all(
    (StreamDescription?.Shards ?? []).map(async ({ ShardId }) => {
      let { ShardIterator: iterator } = await streams.send(new DynamoGetShardIterator({ StreamArn: stream, ShardId, ShardIteratorType: start }));
      const event = (r: DynamoRecord) => ({
        eventID: r.eventID,
        eventName: r.eventName,
        eventVersion: r.eventVersion,
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: (r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) / 1000 },
        eventSourceARN: streamArn,
      });
      return async () => {
        if (!iterator) return undefined;
        const page = await streams.send(new DynamoGetRecords({ ShardIterator: iterator, Limit: 1000 }));
        iterator = page.NextShardIterator;
        return (page.Records ?? []).map(event);
      };
    }),
  );
}

async function drain(read: Reader): Promise<void> {
  for (;;) {
    const records = await read();
    if (!records) return;
    if (records.length === 0) {
      await sleep(idlePollMs);
      continue;
    }
    for (let i = 0; i < records.length; i += batchSize) await postJson(sink, { Records: records.slice(i, i + batchSize) });
  }
}

const discover = () => (source === 'kinesis' ? kinesisReaders() : dynamodbReaders());
// At LATEST the iterators are taken before `ready`: the parent puts records as soon as it
// says go. At TRIM_HORIZON shard discovery is timed, as it is for Sluice (which finds its
// shards after its mapping is created).
const early = start === 'LATEST' ? await discover() : undefined;
await readyThenGo();
await Promise.all((early ?? (await discover())).map(drain));
