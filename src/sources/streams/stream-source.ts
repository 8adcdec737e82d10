/**
 * What the stream poller needs from a Kinesis stream or a DynamoDB stream, and nothing of
 * either service's SDK (design.md: sources/streams/ must not know one service): list the
 * shards with their lineage, get an iterator, read a page of records already in Lambda's
 * event shape (streams.md §9), and pin LATEST when a mapping is created (§3).
 *
 * The adapters live in sources/kinesis/ and sources/dynamodb/; createStreamSource
 * (sources/stream-sources.ts, outside this folder because it imports both) picks one from
 * the EventSourceArn. Every failure of a service call is a StreamSourceError
 * (stream-errors.ts) whose `kind` says how the poller reacts (§4).
 */
import type { AwsClients } from '../../aws/clients.js';
import type { PinLatestOptions, PinnedShard } from './start-position/pin-latest.js';

export type { PinLatestOptions, PinnedShard, PinnedStart } from './start-position/pin-latest.js';

/** A shard as listed (Kinesis ListShards, DynamoDB DescribeStream), lineage included (§2). */
export interface ShardInfo {
  shardId: string;
  /** The shard this one was split from, or the first of the two merged into it. */
  parentShardId?: string;
  /** Kinesis merge only: the second parent. */
  adjacentParentShardId?: string;
  startingSequenceNumber?: string;
  /**
   * Present once the shard is closed (split, merged, rolled over, stream disabled). Not
   * necessarily the sequence number of a record: kinesis-local answers 2^63 − 1, AWS the
   * shard's last possible number. A shard ends when a read returns no `nextIterator`.
   */
  endingSequenceNumber?: string;
}

/** Where an iterator starts. `AT_TIMESTAMP` is Kinesis only. */
export type IteratorPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: Date }
  | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumber: string }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

/** A record as Lambda delivers it (§9): exact keys in AWS's order, ready for JSON.stringify. */
export type StreamEventRecord = Readonly<Record<string, unknown>>;

/** One record read from a shard. */
export interface StreamRecord {
  /** Decimal string as the service gives it (DynamoDB Local pads it with zeros). */
  sequenceNumber: string;
  /**
   * The lane key of §7 (UTF-8 string hashed with MD5): Kinesis `partitionKey`; DynamoDB the
   * JSON text of the typed hash-key value in `dynamodb.Keys` (`{"S":"abc"}`), or `''` while
   * the table's key schema is unknown (the shard then runs as one lane).
   */
  partitionKey: string;
  /** Arrival time, ms since the epoch (§1): Kinesis approximateArrivalTimestamp, DynamoDB ApproximateCreationDateTime. */
  arrivalTime: number;
  /** The event record of §9.1 / §9.2. */
  event: StreamEventRecord;
  /** UTF-8 bytes of JSON.stringify(event), for the 6 MB payload limit (§8). */
  sizeBytes: number;
}

export interface ReadResult {
  /** In sequence-number order; may be empty although the shard holds more records. */
  records: StreamRecord[];
  /** Iterator for the next read; undefined once the shard has ended (closed and read to its end). */
  nextIterator?: string;
  /** Kinesis only: how far the read is behind the tip of the stream. > 0 means read again at once (§4). */
  millisBehindLatest?: number;
}

/** Per-service constants of streams.md §1, §4 and §14, so the poller needs no `if kinesis`. */
export interface StreamTraits {
  type: 'kinesis' | 'dynamodb';
  /** Largest `Limit` of one GetRecords call: 10 000 (Kinesis) or 1 000 (DynamoDB). */
  maxRecordsPerRead: number;
  /** Default `streams.idlePollMs`, the pause after a read of a caught-up shard (§4): 1 000 ms (Kinesis) or 250 ms (DynamoDB). */
  defaultIdlePollMs: number;
  /** Default `streams.minReadIntervalMs`, least time between two reads of one shard (§4): 200 ms (Kinesis: 5 GetRecords per shard per second) or 0 (DynamoDB). */
  defaultMinReadIntervalMs: number;
  /** Key of the batch info in an on-failure record (§14.1). */
  batchInfoKey: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
  /** Precision of approximateArrivalOf{First,Last}Record in on-failure records (§14.1). */
  arrivalTimePrecision: 'milliseconds' | 'seconds';
}

export interface StreamSource {
  readonly traits: StreamTraits;
  /** The mapping's EventSourceArn (a Kinesis consumer ARN stays one). */
  readonly eventSourceArn: string;
  /** The stream that is read: for a Kinesis consumer its parent stream. Records and on-failure records carry it. */
  readonly streamArn: string;

  /**
   * What FilterCriteria see of one of this source's event records (filtering.md §5): each
   * service decodes its own record (Kinesis: `data` as JSON when it parses).
   */
  filterView(event: StreamEventRecord): unknown;

  /** The record's id in the invocation trace (mappings/invocation-trace.ts: Kinesis shard + sequence number, DynamoDB keys). */
  traceId(record: StreamRecord): string;

  /** Every shard of the stream, open and closed, all pages. */
  listShards(): Promise<ShardInfo[]>;

  /**
   * A shard iterator at `position`. Undefined when the service has none because the shard
   * has ended there (a closed shard read to its end: KCL treats a null iterator the same
   * way); the shard is then done, exactly as when a read returns no `nextIterator`.
   * AT_TIMESTAMP is refused for DynamoDB (TypeError: a bug of the caller).
   */
  getIterator(shardId: string, position: IteratorPosition): Promise<string | undefined>;

  /**
   * One GetRecords call. `limit` is clamped to 1..traits.maxRecordsPerRead. An iterator is
   * single-use: continue with `nextIterator`.
   */
  read(shardId: string, iterator: string, limit: number): Promise<ReadResult>;

  /**
   * Resolves LATEST for a new mapping (§3): for every shard, where its reading starts when it
   * has no checkpoint, so that the first record delivered is the first one written after this
   * call. See pin-latest.ts for how, and for what happens when the budget runs out.
   */
  pinLatest(options?: PinLatestOptions): Promise<PinnedShard[]>;

  /**
   * How long the stream keeps records (§10: with MaximumRecordAgeInSeconds −1 a record older
   * than this is discarded): Kinesis the stream's retention period, DynamoDB 24 hours.
   */
  retentionMs(): Promise<number>;
}

export interface StreamSourceDependencies {
  clients: AwsClients;
  /** Sluice's account id (config `accountId`): the default invokeIdentityArn names it. */
  accountId: string;
  /** Kinesis `invokeIdentityArn` (§9.1); default `arn:aws:iam::<accountId>:role/lambda-role`. */
  invokeIdentityArn?: string;
  /**
   * Shards per ListShards / DescribeStream page; default the service's (Kinesis 1 000,
   * DynamoDB 100). Small values are for tests of pagination.
   */
  shardPageSize?: number;
}
