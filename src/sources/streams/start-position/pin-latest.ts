/**
 * LATEST, pinned when a mapping is created (streams.md §3): for each shard, where reading
 * starts while the shard has no checkpoint, so that the first record delivered is the first
 * one written after the pin, however late polling starts (a mapping created Disabled
 * included).
 *
 * A LATEST iterator cannot be kept (Kinesis iterators expire after 5 minutes, DynamoDB's
 * after 15) and neither service tells a shard's last sequence number, so the pin finds it by
 * reading: from a starting position to the tip of the shard, remembering the last record.
 * - Kinesis starts AT_TIMESTAMP now − 1 min, then now − 1 h, now − 24 h, then TRIM_HORIZON,
 *   widening only while a window holds no record, so a busy shard costs one short read and
 *   a quiet one a few empty reads. (A timestamp the service calls future, from clock skew,
 *   is skipped.)
 * - DynamoDB Streams has no AT_TIMESTAMP: it reads the open shard from TRIM_HORIZON (an
 *   open DynamoDB shard holds at most a few hours of records).
 * The tip is reached when a read returns no records and, for Kinesis, MillisBehindLatest 0.
 *
 * Results (the three forms PinnedPositions stores):
 * - `AFTER_SEQUENCE_NUMBER` the last record seen: read the shard after it;
 * - `SHARD_START`: the shard was open and empty: read it from TRIM_HORIZON;
 * - `SHARD_END`: the shard was already closed: LATEST skips it.
 *
 * When the budget runs out first, the pin is the last record seen so far (or SHARD_START if
 * none): earlier than the true tip, so records written just before the pin are delivered
 * too. Never later: at least once (design.md), nothing written after the pin is skipped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SHARD_END, SHARD_START } from '../checkpoints/sequence-numbers.js';
import { streamErrorKind } from '../stream-errors.js';
import type { IteratorPosition, ReadResult, ShardInfo } from '../stream-source.js';

export type PinnedStart =
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string }
  | { type: 'SHARD_START' }
  | { type: 'SHARD_END' };

export interface PinnedShard {
  shardId: string;
  start: PinnedStart;
}

export interface PinLatestOptions {
  /** Milliseconds allowed for finding one shard's last record, counted from when that shard's turn comes (see above). Default 10 000. */
  budgetMs?: number;
  /** Shards pinned at the same time. Default 8. */
  concurrency?: number;
}

/** What pinning needs of a source. */
export interface PinReader {
  listShards(): Promise<ShardInfo[]>;
  getIterator(shardId: string, position: IteratorPosition): Promise<string | undefined>;
  read(shardId: string, iterator: string, limit: number): Promise<ReadResult>;
}

export interface PinPlan {
  /** Positions to read the tip from, narrowest first; TRIM_HORIZON is always tried last. */
  searchFrom: (now: number) => IteratorPosition[];
  /** GetRecords limit used while pinning. */
  readLimit: number;
}

const DEFAULT_BUDGET_MS = 10_000;
const DEFAULT_CONCURRENCY = 8;
const THROTTLE_PAUSE_MS = 200;

/** The iterator position a pinned start stands for; undefined for SHARD_END (nothing to read). */
export function startPositionOf(start: PinnedStart): IteratorPosition | undefined {
  switch (start.type) {
    case 'AFTER_SEQUENCE_NUMBER':
      return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: start.sequenceNumber };
    case 'SHARD_START':
      return { type: 'TRIM_HORIZON' };
    case 'SHARD_END':
      return undefined;
  }
}

/** The form PinnedPositions stores: the sequence number, SHARD_START or SHARD_END. */
export function pinnedValueOf(start: PinnedStart): string {
  switch (start.type) {
    case 'AFTER_SEQUENCE_NUMBER':
      return start.sequenceNumber;
    case 'SHARD_START':
      return SHARD_START;
    case 'SHARD_END':
      return SHARD_END;
  }
}

export async function pinLatestPositions(reader: PinReader, plan: PinPlan, options: PinLatestOptions = {}): Promise<PinnedShard[]> {
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const shards = await reader.listShards();
  const now = Date.now();
  const results: PinnedShard[] = new Array<PinnedShard>(shards.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < shards.length) {
      const index = next++;
      const shard = shards[index]!;
      const start: PinnedStart =
        shard.endingSequenceNumber !== undefined ? { type: 'SHARD_END' } : await pinShard(reader, plan, shard.shardId, now, Date.now() + budgetMs);
      results[index] = { shardId: shard.shardId, start };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, shards.length) }, worker));
  return results;
}

async function pinShard(reader: PinReader, plan: PinPlan, shardId: string, now: number, deadline: number): Promise<PinnedStart> {
  const positions: IteratorPosition[] = [...plan.searchFrom(now).filter((p) => p.type !== 'TRIM_HORIZON'), { type: 'TRIM_HORIZON' }];
  for (const position of positions) {
    let iterator: string | undefined;
    try {
      iterator = await reader.getIterator(shardId, position);
    } catch (error) {
      // A timestamp the service calls future (its clock is behind ours): try a wider window.
      if (position.type === 'AT_TIMESTAMP' && streamErrorKind(error) === 'invalidArgument') continue;
      throw error;
    }
    // No iterator: the shard ended (closed since it was listed) with nothing at this position.
    if (iterator === undefined) continue;
    const { last, complete } = await readToTip(reader, plan.readLimit, shardId, iterator, deadline);
    if (last !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
    if (!complete) return { type: 'SHARD_START' };
  }
  return { type: 'SHARD_START' };
}

async function readToTip(
  reader: PinReader,
  limit: number,
  shardId: string,
  iterator: string,
  deadline: number,
): Promise<{ last: string | undefined; complete: boolean }> {
  let last: string | undefined;
  let current = iterator;
  for (;;) {
    if (Date.now() >= deadline) return { last, complete: false };
    let result: ReadResult;
    try {
      result = await reader.read(shardId, current, limit);
    } catch (error) {
      if (streamErrorKind(error) !== 'throttled') throw error;
      await sleep(THROTTLE_PAUSE_MS);
      continue;
    }
    const lastRecord = result.records.at(-1);
    if (lastRecord) last = lastRecord.sequenceNumber;
    if (result.nextIterator === undefined) return { last, complete: true };
    if (result.records.length === 0 && (result.millisBehindLatest ?? 0) === 0) return { last, complete: true };
    current = result.nextIterator;
  }
}
