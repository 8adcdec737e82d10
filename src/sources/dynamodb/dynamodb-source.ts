/**
 * The DynamoDB Streams adapter of StreamSource: DescribeStream (all pages) for shards and
 * lineage, GetShardIterator, GetRecords, records mapped to Lambda's event (streams.md
 * §9.2), and the lane key of §7 from the table's hash key (DescribeTable, chosen).
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DescribeStreamCommandOutput,
  type DynamoDBStreamsClient,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { dynamodbFilterView } from '../../filtering/index.js';
import type { EventSource } from '../../mappings/event-source-arn.js';
import { dynamodbKeyId } from '../../mappings/invocation-trace.js';
import { pinLatestPositions, type PinLatestOptions, type PinnedShard } from '../streams/start-position/pin-latest.js';
import { callStream } from '../streams/stream-errors.js';
import { clampLimit, toStreamRecord } from '../streams/stream-record.js';
import type {
  IteratorPosition,
  ReadResult,
  ShardInfo,
  StreamEventRecord,
  StreamRecord,
  StreamSource,
  StreamSourceDependencies,
  StreamTraits,
} from '../streams/stream-source.js';
import { dynamodbLaneKey, toDynamodbEventRecord, type DynamodbEventContext } from './dynamodb-record.js';

export const DYNAMODB_TRAITS: StreamTraits = Object.freeze({
  type: 'dynamodb',
  maxRecordsPerRead: 1_000,
  defaultIdlePollMs: 250,
  defaultMinReadIntervalMs: 0,
  batchInfoKey: 'DDBStreamBatchInfo',
  arrivalTimePrecision: 'seconds',
});

/** DynamoDB Streams keeps records 24 hours (§1). */
const RETENTION_MS = 24 * 60 * 60 * 1000;
/** After a failed DescribeTable, lane keys stay '' this long before the next attempt. */
export const KEY_SCHEMA_RETRY_MS = 60_000;

export class DynamodbStreamSource implements StreamSource {
  readonly traits = DYNAMODB_TRAITS;
  readonly eventSourceArn: string;
  readonly streamArn: string;
  private readonly streams: DynamoDBStreamsClient;
  private readonly dynamodb: DynamoDBClient;
  private readonly tableName: string;
  private readonly context: DynamodbEventContext;
  private readonly pageSize: number | undefined;
  private hashKey: string | undefined;
  private hashKeyLookup: Promise<string | undefined> | undefined;
  private hashKeyRetryAt = 0;

  constructor(source: EventSource, deps: StreamSourceDependencies) {
    this.eventSourceArn = source.arn;
    this.streamArn = source.arn;
    this.tableName = source.name;
    this.streams = deps.clients.get('dynamodbStreams', source.region);
    this.dynamodb = deps.clients.get('dynamodb', source.region);
    this.context = { streamArn: source.arn, awsRegion: source.region };
    this.pageSize = deps.shardPageSize;
  }

  /** The record as it is: DynamoDB records are filtered on their typed JSON (filtering.md §5). */
  filterView(event: StreamEventRecord): unknown {
    return dynamodbFilterView(event);
  }

  /** The item's key attributes as sorted DynamoDB JSON: what the writer of the item can compute too. */
  traceId(record: StreamRecord): string {
    const { dynamodb } = record.event as { dynamodb?: { Keys?: Record<string, unknown> } };
    return dynamodbKeyId(dynamodb?.Keys ?? {});
  }

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const input = {
        StreamArn: this.streamArn,
        ...(this.pageSize !== undefined ? { Limit: this.pageSize } : {}),
        ...(exclusiveStartShardId !== undefined ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
      };
      const page: DescribeStreamCommandOutput = await callStream({ operation: 'DescribeStream', streamArn: this.streamArn }, () =>
        this.streams.send(new DescribeStreamCommand(input)),
      );
      for (const shard of page.StreamDescription?.Shards ?? []) shards.push(toShardInfo(shard));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return shards;
  }

  async getIterator(shardId: string, position: IteratorPosition): Promise<string | undefined> {
    if (position.type === 'AT_TIMESTAMP') throw new TypeError('DynamoDB Streams has no AT_TIMESTAMP iterator');
    const sequenceNumber = position.type === 'AT_SEQUENCE_NUMBER' || position.type === 'AFTER_SEQUENCE_NUMBER' ? position.sequenceNumber : undefined;
    const { ShardIterator } = await callStream(
      { operation: 'GetShardIterator', streamArn: this.streamArn, shardId },
      () =>
        this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: this.streamArn,
            ShardId: shardId,
            ShardIteratorType: position.type,
            ...(sequenceNumber !== undefined ? { SequenceNumber: sequenceNumber } : {}),
          }),
        ),
      { sequencePosition: sequenceNumber !== undefined },
    );
    return ShardIterator ?? undefined;
  }

  async read(shardId: string, iterator: string, limit: number): Promise<ReadResult> {
    const output = await callStream({ operation: 'GetRecords', streamArn: this.streamArn, shardId }, () =>
      this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: clampLimit(limit, DYNAMODB_TRAITS.maxRecordsPerRead) })),
    );
    const hashKey = output.Records?.length ? await this.hashKeyName() : undefined;
    const readAt = Date.now();
    const records: StreamRecord[] = (output.Records ?? []).map((record) => {
      const event = toDynamodbEventRecord(record, this.context);
      const arrivalTime = record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? readAt;
      return toStreamRecord(event.dynamodb.SequenceNumber, dynamodbLaneKey(event, hashKey), arrivalTime, event);
    });
    return { records, ...(output.NextShardIterator ? { nextIterator: output.NextShardIterator } : {}) };
  }

  pinLatest(options?: PinLatestOptions): Promise<PinnedShard[]> {
    // No AT_TIMESTAMP: read each open shard from TRIM_HORIZON to its tip.
    return pinLatestPositions(this, { searchFrom: () => [], readLimit: DYNAMODB_TRAITS.maxRecordsPerRead }, options);
  }

  retentionMs(): Promise<number> {
    return Promise.resolve(RETENTION_MS);
  }

  /**
   * The table's hash-key attribute, from DescribeTable on the table the stream ARN names;
   * asked once and cached. Undefined (lane key '') until known: after a failure it is asked
   * again KEY_SCHEMA_RETRY_MS later.
   */
  private hashKeyName(): Promise<string | undefined> {
    if (this.hashKey !== undefined) return Promise.resolve(this.hashKey);
    if (Date.now() < this.hashKeyRetryAt) return Promise.resolve(undefined);
    this.hashKeyLookup ??= this.describeHashKey().finally(() => {
      this.hashKeyLookup = undefined;
    });
    return this.hashKeyLookup;
  }

  private async describeHashKey(): Promise<string | undefined> {
    try {
      const { Table } = await this.dynamodb.send(new DescribeTableCommand({ TableName: this.tableName }));
      const name = Table?.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
      if (name !== undefined) {
        this.hashKey = name;
        return name;
      }
    } catch {
      // Lanes wait for the key schema; reading does not (§7: one lane until it is known).
    }
    this.hashKeyRetryAt = Date.now() + KEY_SCHEMA_RETRY_MS;
    return undefined;
  }
}

function toShardInfo(shard: Shard): ShardInfo {
  const info: ShardInfo = { shardId: shard.ShardId! };
  if (shard.ParentShardId) info.parentShardId = shard.ParentShardId;
  if (shard.SequenceNumberRange?.StartingSequenceNumber) info.startingSequenceNumber = shard.SequenceNumberRange.StartingSequenceNumber;
  if (shard.SequenceNumberRange?.EndingSequenceNumber) info.endingSequenceNumber = shard.SequenceNumberRange.EndingSequenceNumber;
  return info;
}
