/**
 * How the shards of this process read (streams.md §4 revised): the `streams.*` settings of
 * the config, resolved per source and per mapping, and the one BufferAccountant of the
 * process that every shard's buffer reports to.
 */
import { BufferAccountant } from './shard/buffer-accountant.js';
import type { ReadAheadLimits } from './shard/shard-buffer.js';
import type { ReadPacing } from './shard/shard-reader.js';
import type { StreamTraits } from './stream-source.js';

/** The `streams` config keys of §4; unset ones take the source's default. */
export interface StreamReadConfig {
  /** Default: the source's (Kinesis 1000, DynamoDB 250). */
  idlePollMs?: number;
  /** Default: the source's (Kinesis 200, DynamoDB 0). */
  minReadIntervalMs?: number;
  /** Default: max(10000, 2 × BatchSize × ParallelizationFactor). */
  readAheadRecords?: number;
  readAheadBytes: number;
  maxBufferedBytes: number;
}

/** The defaults of §4: 16 MB per shard, 256 MB per process. */
export const DEFAULT_READ_AHEAD_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
export const MIN_READ_AHEAD_RECORDS = 10_000;

/** What every stream mapping of one process shares for reading. */
export interface StreamReading {
  config: StreamReadConfig;
  /** One per process: `streams.maxBufferedBytes` over all shards. */
  accountant: BufferAccountant;
}

export function streamReading(config: Partial<StreamReadConfig> = {}): StreamReading {
  const full: StreamReadConfig = { readAheadBytes: DEFAULT_READ_AHEAD_BYTES, maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES, ...stripUndefined(config) };
  return { config: full, accountant: new BufferAccountant(full.maxBufferedBytes) };
}

/** The pacing of one source's shards (§4). */
export function readPacing(config: StreamReadConfig, traits: Pick<StreamTraits, 'defaultIdlePollMs' | 'defaultMinReadIntervalMs'>): ReadPacing {
  return {
    idlePollMs: config.idlePollMs ?? traits.defaultIdlePollMs,
    minReadIntervalMs: config.minReadIntervalMs ?? traits.defaultMinReadIntervalMs,
  };
}

/** The read-ahead bounds of one shard of a mapping (§4). */
export function readAheadLimits(config: StreamReadConfig, batchSize: number, parallelizationFactor: number): ReadAheadLimits {
  return {
    records: config.readAheadRecords ?? Math.max(MIN_READ_AHEAD_RECORDS, 2 * batchSize * Math.max(1, parallelizationFactor)),
    bytes: config.readAheadBytes,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
