/**
 * How the shards of this process read (streams.md §4 revised): the `streams.*` settings of
 * the config, resolved per source and per mapping, and the one BufferAccountant of the
 * process that every shard's buffer reports to.
 */
import { BufferAccountant } from './shard/buffer-accountant.js';
import type { ReadAheadLimits } from './shard/shard-buffer.js';
import type { ReadPacing } from './shard/shard-reader.js';
import type { StreamTraits } from './stream-source.js';

/**
 * The `streams` config keys of §4 as the config schema resolved them (its defaults: 16 MB
 * per shard, 256 MB per process); the unset ones depend on the source or the mapping.
 */
export interface StreamReadConfig {
  /** Unset: the source's (Kinesis 1000, DynamoDB 250). */
  idlePollMs?: number | undefined;
  /** Unset: the source's (Kinesis 200, DynamoDB 0). */
  minReadIntervalMs?: number | undefined;
  /** Unset: max(10000, 2 × BatchSize × ParallelizationFactor). */
  readAheadRecords?: number | undefined;
  readAheadBytes: number;
  maxBufferedBytes: number;
}

export const MIN_READ_AHEAD_RECORDS = 10_000;

/** What every stream mapping of one process shares for reading. */
export interface StreamReading {
  config: StreamReadConfig;
  /** One per process: `streams.maxBufferedBytes` over all shards. */
  accountant: BufferAccountant;
}

export function streamReading(config: StreamReadConfig): StreamReading {
  return { config, accountant: new BufferAccountant(config.maxBufferedBytes) };
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
