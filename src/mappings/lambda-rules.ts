/**
 * Phase D of the checks (api.md §9, V17–V37): Lambda's own rules on the merged
 * configuration, run in the order of §10 and stopping at the first failure. Checks that
 * need the outside world (function, source, duplicates: V38–V43) live in the service.
 */
import { invalidParameter, type LambdaApiError } from './errors.js';
import { parseEventSourceArn, type EventSource } from './event-source-arn.js';
import { defaultsFor, foreignSourceFields, provisionedPollerDefaults, type MappingSettings } from './model.js';
import { checkFilterPatterns } from './filter-rules.js';

export interface RuleContext {
  /** Create checks the create-only rules (V18, V23); Update does not see those members. */
  operation: 'create' | 'update';
  /** Filters allowed per mapping (config `filters.maxPerMapping`). */
  maxFilters: number;
  /** The time "now" for V26, epoch seconds. */
  nowSeconds: number;
}

const lowerCamel = (name: string) => name[0]!.toLowerCase() + name.slice(1);
const unsupported = (member: string) =>
  invalidParameter(`Unsupported '${lowerCamel(member)}' parameter for given event source mapping type.`);

const sqsRefusedFields = [
  'StartingPositionTimestamp',
  'ParallelizationFactor',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'TumblingWindowInSeconds',
] as const;
const streamRefusedFields = ['ScalingConfig', 'ProvisionedPollerConfig'] as const;
const destinationArn = /^arn:[^:]+:(sqs|sns|s3):/;

/** Runs V17–V37; returns the parsed source or throws the first failure. */
export function checkLambdaRules(merged: MappingSettings, context: RuleContext): EventSource {
  const fail = (error: LambdaApiError): never => {
    throw error;
  };
  // V17
  if (merged.DestinationConfig?.OnSuccess !== undefined) {
    fail(invalidParameter('Unsupported DestinationConfig parameter for given event source mapping type.'));
  }
  // V18, V19
  if (merged.EventSourceArn === undefined) fail(invalidParameter('Unrecognized event source.'));
  const source = parseEventSourceArn(merged.EventSourceArn!) ?? fail(invalidParameter('Unrecognized event source.'));
  const sqs = source.type === 'sqs';
  // V20, V21
  if (sqs && merged.StartingPosition !== undefined) fail(invalidParameter('StartingPosition is not valid for SQS event sources.'));
  if (sqs && merged.DestinationConfig !== undefined) {
    fail(invalidParameter('Unsupported DestinationConfig parameter for given event source mapping type.'));
  }
  // V22: first offending member in §3 order.
  const refused = [...(sqs ? sqsRefusedFields : streamRefusedFields), ...foreignSourceFields];
  const offending = refused.find((field) => merged[field] !== undefined);
  if (offending) fail(unsupported(offending));

  if (!sqs) {
    // V23: StartingPosition is create-only, so an update keeps the stored one.
    if (merged.StartingPosition === undefined) {
      fail(invalidParameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."));
    }
    // V24
    if (source.type === 'dynamodb' && merged.StartingPosition === 'AT_TIMESTAMP') {
      fail(invalidParameter(`Unsupported starting position for arn type: ${source.arn}`));
    }
    if (source.type === 'kinesis' && merged.StartingPosition === 'AT_TIMESTAMP') {
      // V25, V26
      if (merged.StartingPositionTimestamp === undefined) fail(invalidParameter('Need to specify a timestamp'));
      if (merged.StartingPositionTimestamp! > context.nowSeconds) fail(invalidParameter('StartingPositionTimestamp cannot be in the future.'));
    }
  }
  const batchSize = merged.BatchSize;
  const window = merged.MaximumBatchingWindowInSeconds ?? 0;
  if (sqs && source.fifo) {
    // V27, V28
    if (batchSize !== undefined && batchSize > 10) fail(invalidParameter('Batch size cannot be greater than 10 for an SQS FIFO queue.'));
    if (window > 0) fail(invalidParameter('Batching window is not supported for FIFO queues'));
  }
  // V29
  if (sqs && !source.fifo && batchSize !== undefined && batchSize > 10 && window === 0) {
    fail(invalidParameter('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10'));
  }
  // V30
  const age = merged.MaximumRecordAgeInSeconds;
  if (!sqs && age !== undefined && age >= 0 && age < 60) {
    fail(invalidParameter('MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)'));
  }
  if (sqs) {
    const pollers = merged.ProvisionedPollerConfig;
    const pollersSet = pollers !== undefined && (pollers.MinimumPollers !== undefined || pollers.MaximumPollers !== undefined);
    const scalingSet = merged.ScalingConfig?.MaximumConcurrency !== undefined;
    // V31 (empty objects mean "not set", api.md §3 notes)
    if (pollersSet && scalingSet) fail(invalidParameter('ScalingConfig and ProvisionedPollerConfig cannot be specified together.'));
    // V32
    if (pollersSet) {
      const min = pollers.MinimumPollers ?? provisionedPollerDefaults.MinimumPollers;
      const max = pollers.MaximumPollers ?? provisionedPollerDefaults.MaximumPollers;
      if (min < 2 || min > 200 || max < 2 || max > 2000 || min > max) {
        fail(invalidParameter('MinimumPollers must be between 2 and 200 and MaximumPollers between 2 and 2000, with MinimumPollers not greater than MaximumPollers.'));
      }
    }
  } else if (
    (merged.TumblingWindowInSeconds ?? defaultsFor(source.type, false).TumblingWindowInSeconds) > 0 &&
    (merged.ParallelizationFactor ?? defaultsFor(source.type, false).ParallelizationFactor) > 1
  ) {
    // V33
    fail(invalidParameter('TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.'));
  }
  // V34
  const destination = merged.DestinationConfig?.OnFailure?.Destination;
  if (destination && !destinationArn.test(destination)) fail(invalidParameter(`Unsupported destination type for OnFailure: ${destination}`));
  // V35
  if (merged.MetricsConfig?.Metrics?.some((metric) => metric !== 'EventCount')) {
    fail(invalidParameter("Unsupported 'metricsConfig' parameter for given event source mapping type."));
  }
  // V36, V37
  const filters = merged.FilterCriteria?.Filters ?? [];
  if (filters.length > context.maxFilters) {
    fail(invalidParameter(`The number of filters in FilterCriteria exceeds the limit of ${context.maxFilters}.`));
  }
  checkFilterPatterns(filters, source.type);
  return source;
}
