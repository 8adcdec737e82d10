/**
 * The EventSourceMapping model: what a request may set, what is stored, and the
 * configuration object the API returns (api.md §3, §7).
 */
import type { SourceType } from './event-source-arn.js';

export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface FilterCriteria {
  Filters?: { Pattern?: string }[];
}
export interface DestinationConfig {
  OnSuccess?: { Destination?: string };
  OnFailure?: { Destination?: string };
}

/** Kafka / MQ / DocumentDB members: typed loosely, always refused (V22). */
export const foreignSourceFields = [
  'Topics',
  'Queues',
  'SourceAccessConfigurations',
  'SelfManagedEventSource',
  'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
  'LoggingConfig',
] as const;

/** The request members of Create / Update, as sent (presence matters: V20–V22). */
export interface MappingSettings {
  FunctionName?: string;
  EventSourceArn?: string;
  Enabled?: boolean;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  StartingPosition?: string;
  StartingPositionTimestamp?: number;
  ParallelizationFactor?: number;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  BisectBatchOnFunctionError?: boolean;
  TumblingWindowInSeconds?: number;
  DestinationConfig?: DestinationConfig;
  FunctionResponseTypes?: string[];
  FilterCriteria?: FilterCriteria;
  ScalingConfig?: { MaximumConcurrency?: number };
  ProvisionedPollerConfig?: { MinimumPollers?: number; MaximumPollers?: number };
  KMSKeyArn?: string;
  MetricsConfig?: { Metrics?: string[] };
  Tags?: Record<string, string>;
  Topics?: unknown;
  Queues?: unknown;
  SourceAccessConfigurations?: unknown;
  SelfManagedEventSource?: unknown;
  SelfManagedKafkaEventSourceConfig?: unknown;
  AmazonManagedKafkaEventSourceConfig?: unknown;
  DocumentDBEventSourceConfig?: unknown;
  LoggingConfig?: unknown;
}

/** Members an Update body may not change; they are ignored there (api.md §3 notes, chosen). */
export const createOnlyFields = ['EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'Tags'] as const;

/** A mapping as the store keeps it. */
export interface StoredMapping {
  UUID: string;
  EventSourceMappingArn: string;
  EventSourceArn: string;
  FunctionArn: string;
  sourceType: SourceType;
  /** SQS FIFO queue. */
  fifo: boolean;
  State: MappingState;
  /**
   * Incremented by every user change (create, update, delete), not by settling: workers
   * report the generation they have converged on, and a transitional state settles once
   * every live worker has reached it.
   */
  generation: number;
  /** Whether the mapping should poll once settled (the last `Enabled` sent). */
  enabled: boolean;
  /** Epoch seconds with a fractional part. */
  LastModified: number;
  /** Epoch milliseconds; orders List (chosen). */
  createdAt: number;
  LastProcessingResult?: string;
  /** Normalised settings: cleared settings removed, Tags kept apart (tag store). */
  settings: MappingSettings;
}

/** Default values per source (api.md §3). */
export function defaultsFor(sourceType: SourceType, fifo: boolean) {
  const stream = sourceType !== 'sqs';
  return {
    BatchSize: stream ? 100 : 10,
    MaximumBatchingWindowInSeconds: 0,
    ParallelizationFactor: 1,
    MaximumRetryAttempts: -1,
    MaximumRecordAgeInSeconds: -1,
    BisectBatchOnFunctionError: false,
    TumblingWindowInSeconds: 0,
    fifo,
  };
}

/** ProvisionedPollerConfig members left out take these (api.md §3 notes). */
export const provisionedPollerDefaults = { MinimumPollers: 2, MaximumPollers: 200 } as const;

/** StateTransitionReason per source (api.md §6.1). */
export const stateTransitionReason = (sourceType: SourceType): string => (sourceType === 'sqs' ? 'USER_INITIATED' : 'User action');

/** The `EventSourceMappingConfiguration` returned by every operation (api.md §7). */
export function toConfiguration(mapping: StoredMapping): Record<string, unknown> {
  const s = mapping.settings;
  const d = defaultsFor(mapping.sourceType, mapping.fifo);
  const stream = mapping.sourceType !== 'sqs';
  const out: Record<string, unknown> = {
    UUID: mapping.UUID,
    EventSourceMappingArn: mapping.EventSourceMappingArn,
    EventSourceArn: mapping.EventSourceArn,
    FunctionArn: mapping.FunctionArn,
    State: mapping.State,
    StateTransitionReason: stateTransitionReason(mapping.sourceType),
    LastModified: mapping.LastModified,
    BatchSize: s.BatchSize ?? d.BatchSize,
    MaximumBatchingWindowInSeconds: s.MaximumBatchingWindowInSeconds ?? d.MaximumBatchingWindowInSeconds,
    FunctionResponseTypes: s.FunctionResponseTypes ?? [],
  };
  if (mapping.LastProcessingResult !== undefined) out.LastProcessingResult = mapping.LastProcessingResult;
  if (stream) {
    out.StartingPosition = s.StartingPosition;
    if (s.StartingPosition === 'AT_TIMESTAMP' && s.StartingPositionTimestamp !== undefined) {
      out.StartingPositionTimestamp = s.StartingPositionTimestamp;
    }
    out.ParallelizationFactor = s.ParallelizationFactor ?? d.ParallelizationFactor;
    out.MaximumRetryAttempts = s.MaximumRetryAttempts ?? d.MaximumRetryAttempts;
    out.MaximumRecordAgeInSeconds = s.MaximumRecordAgeInSeconds ?? d.MaximumRecordAgeInSeconds;
    out.BisectBatchOnFunctionError = s.BisectBatchOnFunctionError ?? d.BisectBatchOnFunctionError;
    out.TumblingWindowInSeconds = s.TumblingWindowInSeconds ?? d.TumblingWindowInSeconds;
    const destination = s.DestinationConfig?.OnFailure?.Destination;
    out.DestinationConfig = { OnFailure: destination ? { Destination: destination } : {} };
  } else {
    if (s.ScalingConfig) out.ScalingConfig = s.ScalingConfig;
    if (s.ProvisionedPollerConfig) out.ProvisionedPollerConfig = s.ProvisionedPollerConfig;
  }
  if (s.FilterCriteria?.Filters?.length) out.FilterCriteria = s.FilterCriteria;
  if (s.KMSKeyArn) out.KMSKeyArn = s.KMSKeyArn;
  if (s.MetricsConfig?.Metrics?.length) out.MetricsConfig = s.MetricsConfig;
  return out;
}

/**
 * Applies the clearing forms of api.md §3.1 so that stored settings hold only what is set.
 * `FilterCriteria: {}`, `ScalingConfig: {}`, `KMSKeyArn: ""`, empty DestinationConfig and
 * empty MetricsConfig all mean "not set".
 */
export function normaliseSettings(settings: MappingSettings): MappingSettings {
  const out: MappingSettings = { ...settings };
  if (!out.FilterCriteria?.Filters?.length) delete out.FilterCriteria;
  if (out.ScalingConfig && out.ScalingConfig.MaximumConcurrency === undefined) delete out.ScalingConfig;
  if (out.ProvisionedPollerConfig) {
    const p = out.ProvisionedPollerConfig;
    if (p.MinimumPollers === undefined && p.MaximumPollers === undefined) delete out.ProvisionedPollerConfig;
    else out.ProvisionedPollerConfig = { ...provisionedPollerDefaults, ...p };
  }
  if (out.DestinationConfig !== undefined) {
    const destination = out.DestinationConfig.OnFailure?.Destination;
    if (destination) out.DestinationConfig = { OnFailure: { Destination: destination } };
    else delete out.DestinationConfig;
  }
  if (out.KMSKeyArn === '') delete out.KMSKeyArn;
  if (out.MetricsConfig && !out.MetricsConfig.Metrics?.length) delete out.MetricsConfig;
  delete out.Tags;
  delete out.Enabled;
  // A timestamp only means something with AT_TIMESTAMP; otherwise it is ignored and not
  // stored (chosen, api.md §3).
  if (out.StartingPosition !== 'AT_TIMESTAMP') delete out.StartingPositionTimestamp;
  return out;
}
