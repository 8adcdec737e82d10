/**
 * The Kinesis adapter of StreamSource: ListShards (all pages), GetShardIterator and
 * GetRecords by stream ARN, records mapped to Lambda's event (streams.md §9.1). A consumer
 * ARN is read through its parent stream with shard iterators (§2, chosen).
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type ListShardsCommandOutput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { kinesisFilterView } from '../../filtering/index.js';
import type { EventSource } from '../../mappings/event-source-arn.js';
import { pinLatestPositions, type PinLatestOptions, type PinnedShard } from '../streams/start-position/pin-latest.js';
import { callStream, StreamSourceError } from '../streams/stream-errors.js';
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
import { defaultInvokeIdentityArn, toKinesisEventRecord, type KinesisEventContext } from './kinesis-record.js';

export const KINESIS_TRAITS: StreamTraits = Object.freeze({
  type: 'kinesis',
  maxRecordsPerRead: 10_000,
  defaultIdlePollMs: 1_000,
  defaultMinReadIntervalMs: 200,
  batchInfoKey: 'KinesisBatchInfo',
  arrivalTimePrecision: 'milliseconds',
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A ListShards NextToken lives 300 s; a listing that outlives it starts over, this often at most. */
const LIST_RESTARTS = 3;

export class KinesisStreamSource implements StreamSource {
  readonly traits = KINESIS_TRAITS;
  readonly eventSourceArn: string;
  readonly streamArn: string;
  private readonly client: KinesisClient;
  private readonly region: string;
  private readonly invokeIdentityArn: string;
  private readonly pageSize: number | undefined;

  constructor(source: EventSource, deps: StreamSourceDependencies) {
    this.eventSourceArn = source.arn;
    this.streamArn = source.streamArn ?? source.arn;
    this.region = source.region;
    this.client = deps.clients.get('kinesis', source.region);
    this.invokeIdentityArn = deps.invokeIdentityArn ?? defaultInvokeIdentityArn(deps.accountId);
    this.pageSize = deps.shardPageSize;
  }

  /** The record with `kinesis.data` decoded (filtering.md §5). */
  filterView(event: StreamEventRecord): unknown {
    return kinesisFilterView(event as unknown as { kinesis: { data: string } });
  }

  /** `<shardId>:<sequenceNumber>`: the event's eventID (kinesis-record.ts builds it with kinesisEventId, mappings/invocation-trace.ts). */
  traceId(record: StreamRecord): string {
    return String(record.event.eventID);
  }

  async listShards(): Promise<ShardInfo[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.listAllPages();
      } catch (error) {
        // callStream wrapped the failure: its code was read once, by aws/sdk-errors.ts.
        const expiredToken = error instanceof StreamSourceError && error.code === 'ExpiredNextTokenException';
        if (!expiredToken || attempt >= LIST_RESTARTS) throw error;
      }
    }
  }

  private async listAllPages(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    const maxResults = this.pageSize !== undefined ? { MaxResults: this.pageSize } : {};
    let nextToken: string | undefined;
    do {
      // A NextToken names the stream; Kinesis refuses StreamName / StreamARN beside it.
      const input = nextToken !== undefined ? { NextToken: nextToken, ...maxResults } : { StreamARN: this.streamArn, ...maxResults };
      const page: ListShardsCommandOutput = await callStream({ operation: 'ListShards', streamArn: this.streamArn }, () =>
        this.client.send(new ListShardsCommand(input)),
      );
      for (const shard of page.Shards ?? []) shards.push(toShardInfo(shard));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return shards;
  }

  async getIterator(shardId: string, position: IteratorPosition): Promise<string | undefined> {
    const input: GetShardIteratorCommandInput = { StreamARN: this.streamArn, ShardId: shardId, ShardIteratorType: position.type };
    if (position.type === 'AT_SEQUENCE_NUMBER' || position.type === 'AFTER_SEQUENCE_NUMBER') input.StartingSequenceNumber = position.sequenceNumber;
    if (position.type === 'AT_TIMESTAMP') input.Timestamp = position.timestamp;
    const context = { operation: 'GetShardIterator', streamArn: this.streamArn, shardId } as const;
    const { ShardIterator } = await callStream(context, () => this.client.send(new GetShardIteratorCommand(input)), {
      sequencePosition: input.StartingSequenceNumber !== undefined,
    });
    return ShardIterator ?? undefined;
  }

  async read(shardId: string, iterator: string, limit: number): Promise<ReadResult> {
    const output = await callStream({ operation: 'GetRecords', streamArn: this.streamArn, shardId }, () =>
      this.client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: clampLimit(limit, KINESIS_TRAITS.maxRecordsPerRead), StreamARN: this.streamArn }),
      ),
    );
    const context: KinesisEventContext = {
      shardId,
      streamArn: this.streamArn,
      awsRegion: this.region,
      invokeIdentityArn: this.invokeIdentityArn,
    };
    const readAt = Date.now();
    const records: StreamRecord[] = (output.Records ?? []).map((record) => {
      const arrivalTime = record.ApproximateArrivalTimestamp?.getTime() ?? readAt;
      const event = toKinesisEventRecord(record, context, arrivalTime);
      return toStreamRecord(event.kinesis.sequenceNumber, event.kinesis.partitionKey, arrivalTime, event);
    });
    return {
      records,
      ...(output.NextShardIterator ? { nextIterator: output.NextShardIterator } : {}),
      ...(output.MillisBehindLatest !== undefined ? { millisBehindLatest: output.MillisBehindLatest } : {}),
    };
  }

  pinLatest(options?: PinLatestOptions): Promise<PinnedShard[]> {
    return pinLatestPositions(
      this,
      {
        searchFrom: (now) => [MINUTE, HOUR, 24 * HOUR].map((ago) => ({ type: 'AT_TIMESTAMP', timestamp: new Date(now - ago) })),
        readLimit: KINESIS_TRAITS.maxRecordsPerRead,
      },
      options,
    );
  }

  /** The stream's retention period, asked each time (it can be changed while the mapping runs). */
  async retentionMs(): Promise<number> {
    const { StreamDescriptionSummary } = await callStream({ operation: 'DescribeStreamSummary', streamArn: this.streamArn }, () =>
      this.client.send(new DescribeStreamSummaryCommand({ StreamARN: this.streamArn })),
    );
    return (StreamDescriptionSummary?.RetentionPeriodHours ?? 24) * HOUR;
  }
}

function toShardInfo(shard: Shard): ShardInfo {
  const info: ShardInfo = { shardId: shard.ShardId! };
  if (shard.ParentShardId) info.parentShardId = shard.ParentShardId;
  if (shard.AdjacentParentShardId) info.adjacentParentShardId = shard.AdjacentParentShardId;
  if (shard.SequenceNumberRange?.StartingSequenceNumber) info.startingSequenceNumber = shard.SequenceNumberRange.StartingSequenceNumber;
  if (shard.SequenceNumberRange?.EndingSequenceNumber) info.endingSequenceNumber = shard.SequenceNumberRange.EndingSequenceNumber;
  return info;
}
