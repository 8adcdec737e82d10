/**
 * Helpers for the stream end-to-end tests (test/e2e/streams-*.test.ts): one recording
 * target per file answering per stream, records put in a known order, what the recorded
 * invocations say (records, shards, overlaps), and what Redis holds for a mapping (shard
 * checkpoints sampled over time, shard leases).
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DescribeStreamCommand, GetRecordsCommand as GetStreamRecordsCommand, GetShardIteratorCommand as GetStreamShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import { allocateRedisDb, createRedis, dynamoDBStreamsClient, kinesisClient } from './clients.js';
import { pollUntil } from './poll.js';
import { startRecordingTarget, type RecordedRequest, type RecordingTarget, type ResponseFn, type TargetResponse } from './recording-target.js';
import { startTestSluice, type TestSluice } from './sluice.js';

export interface KinesisEvent {
  kinesis: { partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number };
  eventID: string;
  eventSourceARN: string;
}

export interface DynamoEvent {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  dynamodb: {
    Keys: Record<string, { S?: string }>;
    NewImage?: Record<string, { S?: string; N?: string }>;
    SequenceNumber: string;
  };
  eventSourceARN: string;
}

export type StreamEvent = KinesisEvent | DynamoEvent;

/** The records of one recorded invocation (empty when the body is not a stream event). */
export const streamRecordsIn = <T extends StreamEvent = KinesisEvent>(request: RecordedRequest): T[] =>
  (request.body as { Records?: T[] } | undefined)?.Records ?? [];

/**
 * The stream an invocation came from (every record of a batch has the same); a tumbling
 * window's final invocation has no records, only the envelope's `eventSourceARN`.
 */
export const streamArnOf = (request: RecordedRequest): string | undefined =>
  streamRecordsIn(request)[0]?.eventSourceARN ?? (request.body as { eventSourceARN?: string } | undefined)?.eventSourceARN;

/** Kinesis: the shard of a record (its eventID is `<shardId>:<sequenceNumber>`). */
export const shardOf = (record: KinesisEvent): string => record.eventID.split(':')[0]!;

export const sequenceOf = (record: StreamEvent): string => ('kinesis' in record ? record.kinesis.sequenceNumber : record.dynamodb.SequenceNumber);

/** Kinesis: the record's data as text. */
export const dataOf = (record: KinesisEvent): string => Buffer.from(record.kinesis.data, 'base64').toString('utf8');

/** The shard of an invocation (a batch holds one shard's records, streams.md §6). */
export const shardOfInvocation = (request: RecordedRequest): string => shardOf(streamRecordsIn(request)[0]!);

/**
 * A recording target shared by the tests of a file, each test with its own stream: answers
 * with the behaviour registered for the invocation's stream (the fallback, by default 200
 * with an empty body, when none), and lists invocations per stream.
 */
export class StreamRouter {
  private readonly behaviours = new Map<string, ResponseFn>();

  /** `fallback`: the answer for streams without a behaviour of their own. */
  constructor(
    readonly target: RecordingTarget,
    private readonly fallback: TargetResponse = {},
  ) {
    target.respondWith((request) => this.answer(request));
  }

  /** How the target answers invocations from `streamArn`; `index` counts that stream's invocations. */
  on(streamArn: string, behaviour: TargetResponse | ResponseFn): void {
    this.behaviours.set(streamArn, typeof behaviour === 'function' ? behaviour : () => behaviour);
  }

  /** Invocations from `streamArn`, in arrival order. */
  invocations(streamArn: string): RecordedRequest[] {
    return this.target.requests.filter((r) => streamArnOf(r) === streamArn);
  }

  records<T extends StreamEvent = KinesisEvent>(streamArn: string): T[] {
    return this.invocations(streamArn).flatMap((r) => streamRecordsIn<T>(r));
  }

  /** Resolves with the records once `n` came from the stream. */
  async waitForRecords<T extends StreamEvent = KinesisEvent>(streamArn: string, n: number, timeoutMs = 15_000): Promise<T[]> {
    return pollUntil(() => (this.records<T>(streamArn).length >= n ? this.records<T>(streamArn) : undefined), {
      timeoutMs,
      description: `${n} record(s) from ${streamArn} (have ${this.records(streamArn).length})`,
    });
  }

  /** Resolves once `n` invocations came from the stream and every one of them was answered. */
  async waitForInvocations(streamArn: string, n: number, timeoutMs = 15_000): Promise<RecordedRequest[]> {
    return pollUntil(
      () => {
        const invocations = this.invocations(streamArn);
        return invocations.length >= n && invocations.every((r) => r.respondedAt !== undefined) ? invocations : undefined;
      },
      { timeoutMs, description: `${n} answered invocation(s) from ${streamArn}` },
    );
  }

  private answer(request: RecordedRequest): TargetResponse | Promise<TargetResponse> {
    const arn = streamArnOf(request);
    const behaviour = arn ? this.behaviours.get(arn) : undefined;
    if (!behaviour) return this.fallback;
    return behaviour(request, this.invocations(arn!).indexOf(request));
  }
}

export interface PutEntry {
  key: string;
  data: string;
}

/** Puts the entries with one PutRecords call (in order); resolves with their sequence numbers and shards, in order. */
export async function putKinesis(streamName: string, entries: PutEntry[]): Promise<{ sequenceNumber: string; shardId: string }[]> {
  const result = await kinesisClient().send(
    new PutRecordsCommand({ StreamName: streamName, Records: entries.map((e) => ({ PartitionKey: e.key, Data: Buffer.from(e.data) })) }),
  );
  if (result.FailedRecordCount) throw new Error(`PutRecords failed: ${JSON.stringify(result.Records)}`);
  return (result.Records ?? []).map((r) => ({ sequenceNumber: r.SequenceNumber!, shardId: r.ShardId! }));
}

/**
 * Puts records continuously, one PutRecords per round with one record per key (`<key>:<round>`),
 * until stopped; `put` lists every record written, in order. Records of one key are written
 * in round order, so their sequence numbers grow with the round.
 */
export class Producer {
  readonly put: (PutEntry & { sequenceNumber: string; shardId: string; round: number })[] = [];
  private running = true;
  private readonly loop: Promise<void>;
  private round = 0;

  constructor(
    private readonly streamName: string,
    private readonly keys: readonly string[],
    private readonly pauseMs = 20,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const round = this.round++;
      let entries = this.keys.map((key) => ({ key, data: `${key}:${round}` }));
      // Entries a PutRecords refused (or a failed call: e.g. the stream is being resharded)
      // are put again before the next round, so each key stays in order.
      while (entries.length > 0) {
        const result = await kinesisClient()
          .send(new PutRecordsCommand({ StreamName: this.streamName, Records: entries.map((e) => ({ PartitionKey: e.key, Data: Buffer.from(e.data) })) }))
          .catch(() => undefined);
        const failed: PutEntry[] = [];
        entries.forEach((entry, i) => {
          const written = result?.Records?.[i];
          if (written?.SequenceNumber) this.put.push({ ...entry, sequenceNumber: written.SequenceNumber, shardId: written.ShardId!, round });
          else failed.push(entry);
        });
        entries = failed;
        if (failed.length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }

  /** Waits until at least `n` records were written. */
  async waitFor(n: number, timeoutMs = 15_000): Promise<void> {
    await pollUntil(() => this.put.length >= n, { timeoutMs, description: `${n} records put` });
  }

  /** Stops putting; resolves once the last PutRecords has returned. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** DynamoDB: every change in the stream (its one shard on DynamoDB Local), in order, read from TRIM_HORIZON. */
export async function dynamoChanges(streamArn: string): Promise<{ eventName: string; sequenceNumber: string; shardId: string }[]> {
  const client = dynamoDBStreamsClient();
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const changes: { eventName: string; sequenceNumber: string; shardId: string }[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await client.send(
      new GetStreamShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetStreamRecordsCommand({ ShardIterator: iterator }));
      if (!page.Records?.length) break;
      changes.push(...page.Records.map((r) => ({ eventName: r.eventName!, sequenceNumber: r.dynamodb!.SequenceNumber!, shardId: shard.ShardId! })));
      iterator = page.NextShardIterator;
    }
  }
  return changes;
}

export { maxOverlap } from './recording-target.js';

/** Invocations grouped by shard (Kinesis eventID prefix), each group in arrival order. */
export function invocationsByShard(requests: readonly RecordedRequest[]): Map<string, RecordedRequest[]> {
  const byShard = new Map<string, RecordedRequest[]>();
  for (const request of requests) {
    const shard = shardOfInvocation(request);
    byShard.set(shard, [...(byShard.get(shard) ?? []), request]);
  }
  return byShard;
}

/** Records in arrival order, as one list per key (`partitionKey`). */
export function recordsByKey(records: readonly KinesisEvent[]): Map<string, KinesisEvent[]> {
  const byKey = new Map<string, KinesisEvent[]>();
  for (const record of records) byKey.set(record.kinesis.partitionKey, [...(byKey.get(record.kinesis.partitionKey) ?? []), record]);
  return byKey;
}

// ---------------------------------------------------------------------------------------
// Redis state of a mapping (src/sources/streams/stream-keys.ts)

export const checkpointsKey = (uuid: string, prefix = 'sluice') => `${prefix}:esm:${uuid}:checkpoints`;
export const leasesKey = (uuid: string, prefix = 'sluice') => `${prefix}:esm:${uuid}:shard-leases`;

/** A held shard lease as stored: `<token>|<expiresAt>|<workerId>` (released: no worker). */
export interface StoredLease {
  token: number;
  expiresAt: number;
  workerId: string;
}

/** The mapping's shard leases by shard id (released ones have workerId ''). */
export async function readLeases(redis: Redis, uuid: string, prefix = 'sluice'): Promise<Map<string, StoredLease>> {
  const fields = await redis.hgetall(leasesKey(uuid, prefix));
  const leases = new Map<string, StoredLease>();
  for (const [shardId, value] of Object.entries(fields)) {
    const match = /^(\d+)\|(\d+)\|(.*)$/.exec(value);
    if (!match) throw new Error(`unexpected lease value for ${shardId}: ${value}`);
    leases.set(shardId, { token: Number(match[1]), expiresAt: Number(match[2]), workerId: match[3]! });
  }
  return leases;
}

export async function readCheckpoints(redis: Redis, uuid: string, prefix = 'sluice'): Promise<Map<string, string>> {
  return new Map(Object.entries(await redis.hgetall(checkpointsKey(uuid, prefix))));
}

/**
 * Samples a mapping's checkpoints hash every `intervalMs` until stopped, and checks every
 * sample against the previous one: per shard, a checkpoint never disappears, never moves
 * away from SHARD_END, and as a BigInt never decreases.
 */
export class CheckpointWatch {
  /** Per shard, every distinct value seen, in order. */
  readonly history = new Map<string, string[]>();
  readonly violations: string[] = [];
  /** Every sample that differed from the one before it, with when it was taken. */
  readonly snapshots: { at: number; checkpoints: Map<string, string> }[] = [];
  samples = 0;
  private readonly redis: Redis;
  private readonly timer: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private closed = false;

  constructor(
    db: number,
    private readonly uuid: string,
    private readonly prefix = 'sluice',
    intervalMs = 25,
  ) {
    this.redis = createRedis({ db });
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().then(
        () => undefined,
        () => undefined,
      ).finally(() => (this.sampling = undefined));
    }, intervalMs);
  }

  /** One sample now (also taken by the timer). */
  async sample(): Promise<Map<string, string>> {
    const current = await readCheckpoints(this.redis, this.uuid, this.prefix);
    this.samples++;
    const previous = this.snapshots.at(-1)?.checkpoints;
    if (!previous || previous.size !== current.size || [...current].some(([shardId, value]) => previous.get(shardId) !== value)) {
      this.snapshots.push({ at: Date.now(), checkpoints: current });
    }
    for (const [shardId, values] of this.history) {
      if (!current.has(shardId)) this.violations.push(`${shardId}: checkpoint ${values.at(-1)} disappeared`);
    }
    for (const [shardId, value] of current) {
      const values = this.history.get(shardId) ?? [];
      const previous = values.at(-1);
      if (previous === value) continue;
      if (previous === 'SHARD_END') this.violations.push(`${shardId}: SHARD_END moved to ${value}`);
      else if (previous !== undefined && value !== 'SHARD_END' && BigInt(value) < BigInt(previous)) {
        this.violations.push(`${shardId}: checkpoint went back from ${previous} to ${value}`);
      }
      values.push(value);
      this.history.set(shardId, values);
    }
    return current;
  }

  /** Waits until `predicate` holds for a sample of the checkpoints. */
  async until(predicate: (checkpoints: Map<string, string>) => boolean, description: string, timeoutMs = 15_000): Promise<Map<string, string>> {
    return pollUntil(
      async () => {
        const current = await this.sample();
        return predicate(current) ? current : undefined;
      },
      { timeoutMs, description },
    );
  }

  /** Stops sampling (one last sample first). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.sampling;
    await this.sample().catch(() => undefined);
    this.redis.disconnect();
  }

  /** Stops sampling and asserts that no checkpoint ever went backwards (over more than one sample). */
  async expectNeverBackwards(): Promise<void> {
    await this.close();
    expect(this.violations).toEqual([]);
    expect(this.samples).toBeGreaterThan(1);
  }
}

/** Sequence numbers compare as integers (they exceed 2^53; DynamoDB Local pads them). */
export const compareSequence = (a: string, b: string): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/** Sluice config for stream e2e tests: one http function at the target, short shard leases. */
export function streamSluiceConfig(target: RecordingTarget, functionName = 'fn', timeout = 3): Record<string, unknown> {
  return { functions: { [functionName]: { http: target.url, timeout } }, streams: { leaseMs: 3000 } };
}

export interface StreamTestbed {
  target: RecordingTarget;
  router: StreamRouter;
  sluice: TestSluice;
  /** The Redis db of this Sluice (checkpoints are read from it). */
  db: number;
  stop: () => Promise<void>;
}

/** A recording target, its router, and a Sluice on a fresh Redis db: one per test file. */
export async function startStreamTestbed(functionName = 'fn'): Promise<StreamTestbed> {
  const target = await startRecordingTarget();
  const router = new StreamRouter(target);
  const db = await allocateRedisDb();
  const sluice = await startTestSluice(streamSluiceConfig(target, functionName), db);
  return {
    target,
    router,
    sluice,
    db,
    async stop() {
      await sluice.stop();
      await target.close();
    },
  };
}

/**
 * The usual setup of a stream end-to-end test file: startStreamTestbed before the file's
 * tests, stopped after them. The returned object is filled once beforeAll has run.
 */
export function useStreamTestbed(functionName = 'fn'): StreamTestbed {
  const bed = {} as StreamTestbed;
  beforeAll(async () => {
    Object.assign(bed, await startStreamTestbed(functionName));
  });
  afterAll(async () => {
    await bed.stop?.();
  });
  return bed;
}
