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
  const s = mapping.settings;
  const d = defaultsFor(mapping.sourceType, mapping.fifo);
  const common: CommonRuntimeSettings = {
    mappingId: mapping.UUID,
    functionArn: mapping.FunctionArn,
    eventSourceArn: mapping.EventSourceArn,
    batchSize: s.BatchSize ?? d.BatchSize,
    windowSeconds: s.MaximumBatchingWindowInSeconds ?? d.MaximumBatchingWindowInSeconds,
    reportBatchItemFailures: (s.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    filterPatterns: s.FilterCriteria?.Filters ?? [],
  };
  if (mapping.sourceType === 'sqs') {
    return { ...common, sourceType: 'sqs', maximumConcurrency: sqsMaximumConcurrency(mapping, defaults.defaultMaximumConcurrency) };
  }
  const destination = s.DestinationConfig?.OnFailure?.Destination;
  return {
    ...common,
    sourceType: mapping.sourceType,
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

/** The SQS concurrency cap (sqs.md §8); the same rule `supervisor/sqs-runner.ts` applies today. */
function sqsMaximumConcurrency(mapping: StoredMapping, defaultCap: number): number {
  const { ScalingConfig, ProvisionedPollerConfig } = mapping.settings;
  if (ScalingConfig?.MaximumConcurrency !== undefined) return ScalingConfig.MaximumConcurrency;
  if (ProvisionedPollerConfig?.MaximumPollers !== undefined) return ProvisionedPollerConfig.MaximumPollers * BATCHES_PER_PROVISIONED_POLLER;
  return defaultCap;
}
