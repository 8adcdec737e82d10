/**
 * A shard answering by script, for the unit tests of the shard's parts: records held in
 * memory, iterators that are positions (`it-<index>`), every call kept, and failures queued
 * per operation. A closed shard's last read gives no next iterator; an open one keeps
 * answering empty pages at its tip.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../../../../src/observability/logger.js';
import type { RateLimitedWarning, RateLimitedWarnings } from '../../../../../src/observability/rate-limited-warnings.js';
import type { SourceWarningContext } from '../../../../../src/sources/source-warnings.js';
import { StreamSourceError, type StreamErrorKind, type StreamOperation } from '../../../../../src/sources/streams/stream-errors.js';
import { toStreamRecord } from '../../../../../src/sources/streams/stream-record.js';
import type { IteratorPosition, ReadResult, StreamRecord, StreamSource } from '../../../../../src/sources/streams/stream-source.js';
import { shardMetrics, type ShardMetrics } from '../../../../../src/sources/streams/shard/shard-metrics.js';

export const SHARD = 'shardId-000000000000';
export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
const PREFIX = '4965812345678901234567890123456789012345678901234567';

/** Sequence number of record n (1-based): 56 digits, beyond 2^53. */
export const seq = (n: number): string => `${PREFIX}${String(n).padStart(4, '0')}`;
/** Sequence number → n, for readable assertions. */
export const nOf = (sequenceNumber: string): number => Number(sequenceNumber.slice(PREFIX.length));
export const nsOf = (records: readonly StreamRecord[]): number[] => records.map((r) => nOf(r.sequenceNumber));

/** Record n with partition key `key`; `padBytes` of data make it larger. */
export function record(n: number, key = 'k', padBytes = 0): StreamRecord {
  return toStreamRecord(seq(n), key, Date.now(), { kinesis: { partitionKey: key, sequenceNumber: seq(n), data: 'x'.repeat(padBytes) }, eventSource: 'aws:kinesis' });
}

export const records = (count: number, key = 'k'): StreamRecord[] => Array.from({ length: count }, (_, i) => record(i + 1, key));

export const sourceError = (kind: StreamErrorKind, code: string, operation: StreamOperation = 'GetRecords'): StreamSourceError =>
  new StreamSourceError({ kind, code, message: `${code} (scripted)` }, { operation, streamArn: STREAM_ARN, shardId: SHARD });

export type ScriptedCall =
  | { op: 'read'; iterator: string; limit: number; at: number }
  | { op: 'getIterator'; position: IteratorPosition; at: number };

export interface ScriptedShardOptions {
  /** The shard is closed: reading past its last record ends it. Default true. */
  closed?: boolean;
  /** Records per page at most, below the limit asked. */
  pageSize?: number;
  /** MillisBehindLatest of each read, by call index. */
  behind?: (readIndex: number) => number;
  idlePollIntervalMs?: number;
  maxRecordsPerRead?: number;
}

export interface ScriptedShard {
  source: StreamSource;
  calls: ScriptedCall[];
  reads: () => Extract<ScriptedCall, { op: 'read' }>[];
  /** The next calls of `op` throw these, in order. */
  failNext: (op: 'read' | 'getIterator', ...errors: Error[]) => void;
  /** Appends records (an open shard's new writes). */
  write: (...more: StreamRecord[]) => void;
}

export function scriptedShard(initial: StreamRecord[], options: ScriptedShardOptions = {}): ScriptedShard {
  const held = [...initial];
  const calls: ScriptedCall[] = [];
  const failures: Record<'read' | 'getIterator', Error[]> = { read: [], getIterator: [] };
  const closed = options.closed ?? true;
  const indexAfter = (sequenceNumber: string): number => {
    const at = held.findIndex((r) => r.sequenceNumber === sequenceNumber);
    return at < 0 ? held.length : at + 1;
  };
  const source: StreamSource = {
    traits: { type: 'kinesis', maxRecordsPerRead: options.maxRecordsPerRead ?? 10_000, defaultIdlePollMs: options.idlePollIntervalMs ?? 5, defaultMinReadIntervalMs: 0, batchInfoKey: 'KinesisBatchInfo', arrivalTimePrecision: 'milliseconds' },
    eventSourceArn: STREAM_ARN,
    streamArn: STREAM_ARN,
    filterView: (event) => event,
    traceId: (record) => `${SHARD}:${record.sequenceNumber}`,
    listShards: async () => [{ shardId: SHARD }],
    getIterator: async (_shardId, position) => {
      calls.push({ op: 'getIterator', position, at: Date.now() });
      const failure = failures.getIterator.shift();
      if (failure) throw failure;
      if (position.type === 'TRIM_HORIZON') return 'it-0';
      if (position.type === 'LATEST') return `it-${held.length}`;
      if (position.type === 'AFTER_SEQUENCE_NUMBER') return `it-${indexAfter(position.sequenceNumber)}`;
      if (position.type === 'AT_SEQUENCE_NUMBER') return `it-${indexAfter(position.sequenceNumber) - 1}`;
      return 'it-0';
    },
    read: async (_shardId, iterator, limit): Promise<ReadResult> => {
      const readIndex = calls.filter((c) => c.op === 'read').length;
      calls.push({ op: 'read', iterator, limit, at: Date.now() });
      const failure = failures.read.shift();
      if (failure) throw failure;
      const from = Number(iterator.slice('it-'.length));
      const page = held.slice(from, from + Math.min(limit, options.pageSize ?? Infinity));
      const next = from + page.length;
      const ended = closed && next >= held.length;
      return { records: page, ...(ended ? {} : { nextIterator: `it-${next}` }), millisBehindLatest: options.behind?.(readIndex) ?? 0 };
    },
    pinLatest: async () => [],
    retentionMs: async () => 24 * 3600 * 1000,
  };
  return {
    source,
    calls,
    reads: () => calls.filter((c): c is Extract<ScriptedCall, { op: 'read' }> => c.op === 'read'),
    failNext: (op, ...errors) => void failures[op].push(...errors),
    write: (...more) => void held.push(...more),
  };
}

export const silentLogger = () => createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) });

/** A warning context keeping every warning's message (not rate-limited). */
export function keptWarnings(): { context: SourceWarningContext; messages: string[] } {
  const messages: string[] = [];
  const warnings = { warn: (warning: RateLimitedWarning) => void messages.push(warning.message) } as unknown as RateLimitedWarnings;
  return { context: { warnings, logger: silentLogger(), mappingId: 'm-1', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }, messages };
}

/** Shard metrics that do nothing but count what the test asks about. */
export function countedMetrics(): { metrics: ShardMetrics; counts: { polled: number; filteredOut: number; sourceErrors: number; lag: number[]; requests: Record<string, number> } } {
  const counts = { polled: 0, filteredOut: 0, sourceErrors: 0, lag: [] as number[], requests: {} as Record<string, number> };
  const metrics: ShardMetrics = {
    ...shardMetrics(undefined, { mappingId: 'm-1', functionName: 'f', eventSourceArn: STREAM_ARN } as never, SHARD),
    polled: (n) => void (counts.polled += n),
    filteredOut: (n) => void (counts.filteredOut += n),
    sourceError: () => void counts.sourceErrors++,
    sourceRequest: (operation) => void (counts.requests[operation] = (counts.requests[operation] ?? 0) + 1),
    checkpointLag: (n) => void counts.lag.push(n),
  };
  return { metrics, counts };
}
