/**
 * What makes `sluice redrive` idempotent across a crash: an on-failure record is removed from
 * its destination only after its range succeeded, but a crash (or a refused delete) between
 * the two would leave it there, and the next run would invoke the range again. So a range
 * that succeeded is written here first, keyed by the on-failure record's identity, and a run
 * skips (and then removes) a record found here (chosen, issue #16).
 *
 * One Redis hash per mapping (redis/keyspace.ts `redrivenKey`): field = identity, value =
 * when (ms). It expires DONE_TTL_SECONDS after the last range written (chosen: far beyond any
 * run, and on-failure records of a range that failed again later carry a new request id and
 * timestamp, so a new identity).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OnFailureBatchInfo, OnFailureRecord } from '../destinations/on-failure-record.js';
import { redrivenKey } from '../redis/keyspace.js';

export const DONE_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The identity of an on-failure record: what tells two discards apart (function, shard,
 * range, the request id of the last attempt, and when it was discarded), hashed. The same
 * record read from SQS or from S3 (where the body adds `payload`) has the same identity.
 */
export function recordIdentity(record: OnFailureRecord, info: OnFailureBatchInfo): string {
  const parts = [record.requestContext.functionArn, info.streamArn, info.shardId, info.startSequenceNumber, info.endSequenceNumber, record.requestContext.requestId, record.timestamp];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

export class DoneRanges {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    mappingId: string,
  ) {
    this.key = redrivenKey(prefix, mappingId);
  }

  async isDone(identity: string): Promise<boolean> {
    return (await this.redis.hexists(this.key, identity)) === 1;
  }

  /** Written before the record is removed from its destination. */
  async markDone(identity: string, at: number): Promise<void> {
    await this.redis.multi().hset(this.key, identity, String(at)).expire(this.key, DONE_TTL_SECONDS).exec();
  }
}
