/**
 * A stored mapping resolved, once, into the fully defaulted settings its poller runs with
 * (design.md `mappings/`: "one place that resolves a mapping into fully defaulted runtime
 * settings"). Pollers and runners receive this object and apply no default of their own;
 * the defaults themselves are `defaultsFor` (api.md §3), the same the API answers with.
 */
import type { SourceType } from './event-source-arn.js';
import { defaultsFor, type StoredMapping } from './model.js';

export type StreamStartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/** What SQS and stream mappings share. */
interface CommonRuntimeSettings {
  mappingId: string;
  functionArn: string;
  eventSourceArn: string;
  /** Records per batch (api.md §3: 10 for SQS, 100 for streams). */
  batchSize: number;
  /** MaximumBatchingWindowInSeconds; 0 when not set. */
  windowSeconds: number;
  /** FunctionResponseTypes holds `ReportBatchItemFailures`. */
  reportBatchItemFailures: boolean;
  /** FilterCriteria patterns, as stored; empty when the mapping has no filter. */
  filterPatterns: readonly { Pattern?: string }[];
}

export interface SqsRuntimeSettings extends CommonRuntimeSettings {
  sourceType: 'sqs';
  /**
   * Concurrent batches across all processes (sqs.md §8): ScalingConfig.MaximumConcurrency,
   * else 10 per provisioned poller (MaximumPollers × 10), else the configured default.
   */
  maximumConcurrency: number;
}

export interface StreamRuntimeSettings extends CommonRuntimeSettings {
  sourceType: Exclude<SourceType, 'sqs'>;
  /** Where a shard without checkpoint starts; validation requires it, LATEST if somehow absent. */
  startingPosition: StreamStartingPosition;
  startingPositionTimestamp?: number;
  /** -1: until the record expires (api.md §3). */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  /** Lanes per shard (streams.md §7); 1 when not set. */
  parallelizationFactor: number;
  /** 0: no tumbling window. */
  tumblingWindowSeconds: number;
  /** DestinationConfig.OnFailure.Destination, when set. */
  onFailureDestination?: string;
}

export type RuntimeSettings = SqsRuntimeSettings | StreamRuntimeSettings;

export interface RuntimeDefaults {
  /** `sqs.defaultMaximumConcurrency` from config: the cap of a mapping without ScalingConfig. */
  defaultMaximumConcurrency: number;
}

/** Batches a provisioned SQS poller runs at once (sqs.md §8, chosen to match Lambda's 10 per poller). */
const BATCHES_PER_PROVISIONED_POLLER = 10;

export function resolveRuntimeSettings(mapping: StoredMapping, defaults: RuntimeDefaults): RuntimeSettings {
  return mapping.sourceType === 'sqs' ? resolveSqsRuntimeSettings(mapping, defaults) : resolveStreamRuntimeSettings(mapping);
}

/** The settings of an SQS mapping (its runner knows the source type; a stream mapping is a bug there). */
export function resolveSqsRuntimeSettings(mapping: StoredMapping, defaults: RuntimeDefaults): SqsRuntimeSettings {
  if (mapping.sourceType !== 'sqs') throw new Error(`mapping ${mapping.UUID} reads ${mapping.sourceType}, not sqs`);
  return { ...commonSettings(mapping), sourceType: 'sqs', maximumConcurrency: sqsMaximumConcurrency(mapping, defaults.defaultMaximumConcurrency) };
}

/** The settings of a Kinesis or DynamoDB Streams mapping (needs no configured default). */
export function resolveStreamRuntimeSettings(mapping: StoredMapping): StreamRuntimeSettings {
  const { sourceType } = mapping;
  if (sourceType === 'sqs') throw new Error(`mapping ${mapping.UUID} reads sqs, not a stream`);
  const s = mapping.settings;
  const d = defaultsFor(sourceType, mapping.fifo);
  const destination = s.DestinationConfig?.OnFailure?.Destination;
  return {
    ...commonSettings(mapping),
    sourceType,
    startingPosition: (s.StartingPosition ?? 'LATEST') as StreamStartingPosition,
    ...(s.StartingPositionTimestamp !== undefined ? { startingPositionTimestamp: s.StartingPositionTimestamp } : {}),
    maximumRetryAttempts: s.MaximumRetryAttempts ?? d.MaximumRetryAttempts,
    maximumRecordAgeInSeconds: s.MaximumRecordAgeInSeconds ?? d.MaximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: s.BisectBatchOnFunctionError ?? d.BisectBatchOnFunctionError,
    parallelizationFactor: s.ParallelizationFactor ?? d.ParallelizationFactor,
    tumblingWindowSeconds: s.TumblingWindowInSeconds ?? d.TumblingWindowInSeconds,
    ...(destination ? { onFailureDestination: destination } : {}),
  };
}

function commonSettings(mapping: StoredMapping): CommonRuntimeSettings {
  const s = mapping.settings;
  const d = defaultsFor(mapping.sourceType, mapping.fifo);
  return {
    mappingId: mapping.UUID,
    functionArn: mapping.FunctionArn,
    eventSourceArn: mapping.EventSourceArn,
    batchSize: s.BatchSize ?? d.BatchSize,
    windowSeconds: s.MaximumBatchingWindowInSeconds ?? d.MaximumBatchingWindowInSeconds,
    reportBatchItemFailures: (s.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    filterPatterns: s.FilterCriteria?.Filters ?? [],
  };
}

/** The SQS concurrency cap (sqs.md §8): the one place it is computed. */
function sqsMaximumConcurrency(mapping: StoredMapping, defaultCap: number): number {
  const { ScalingConfig, ProvisionedPollerConfig } = mapping.settings;
  if (ScalingConfig?.MaximumConcurrency !== undefined) return ScalingConfig.MaximumConcurrency;
  if (ProvisionedPollerConfig?.MaximumPollers !== undefined) return ProvisionedPollerConfig.MaximumPollers * BATCHES_PER_PROVISIONED_POLLER;
  return defaultCap;
}
