/**
 * Phase C of the checks (api.md §9, V4–V16): Lambda's model constraints. Every violation
 * becomes one item; all items of a request are reported together in one
 * ValidationException, in the order of the field table of §3 (api.md §8.1).
 */
import { FUNCTION_NAME_PATTERN, matchesFunctionNamePattern } from '../functions/index.js';
import { EVENT_SOURCE_ARN_PATTERN, matchesEventSourceArnPattern } from './event-source-arn.js';
import type { MappingSettings } from './model.js';

export const STARTING_POSITIONS = ['LATEST', 'AT_TIMESTAMP', 'TRIM_HORIZON'] as const;
export const DESTINATION_PATTERN = String.raw`^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const destinationRegex = new RegExp(`^(?:${DESTINATION_PATTERN})$`, 's');
export const KMS_KEY_ARN_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`;
const kmsKeyArnRegex = new RegExp(`^(?:${KMS_KEY_ARN_PATTERN})$`, 's');
export const TAG_PATTERN = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`;
const tagRegex = new RegExp(`^${TAG_PATTERN}$`, 'u');
const METRICS = ['EventCount', 'ErrorCount', 'KafkaMetrics'];
const RESPONSE_TYPES = ['ReportBatchItemFailures'];

/** Value as Lambda's (Java) messages print it: lists as `[a, b]`, maps as `{k=v}`. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}}`;
  }
  return String(value);
}

export const constraintItem = (value: unknown, path: string, constraint: string): string =>
  `Value ${value === undefined || value === null ? 'null' : `'${formatValue(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`;

const notNull = 'Member must not be null';
const minValue = (min: number) => `Member must have value greater than or equal to ${min}`;
const maxValue = (max: number) => `Member must have value less than or equal to ${max}`;
const maxLength = (max: number) => `Member must have length less than or equal to ${max}`;
const minLength = (min: number) => `Member must have length greater than or equal to ${min}`;
const pattern = (p: string) => `Member must satisfy regular expression pattern: ${p}`;
const enumSet = (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(', ')}]`;
const enumInList = (values: readonly string[]) => `Member must satisfy constraint: [${enumSet(values)}]`;

/** An integer member and its model range (V9). */
function range(items: string[], value: number | undefined, path: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) items.push(constraintItem(value, path, minValue(min)));
  else if (value > max) items.push(constraintItem(value, path, maxValue(max)));
}

function enumList(items: string[], list: string[] | undefined, path: string, allowed: readonly string[], maxItems: number): void {
  if (list === undefined) return;
  if (list.length > maxItems) items.push(constraintItem(list, path, maxLength(maxItems)));
  else if (list.some((v) => !allowed.includes(v))) items.push(constraintItem(list, path, enumInList(allowed)));
}

/** The items for a Create (`requireFunctionName`) or Update body. */
export function modelConstraintItems(body: MappingSettings, requireFunctionName: boolean): string[] {
  const items: string[] = [];
  const fn = body.FunctionName;
  if (fn === undefined) {
    if (requireFunctionName) items.push(constraintItem(undefined, 'functionName', notNull));
  } else {
    if (fn.length > 256) items.push(constraintItem(fn, 'functionName', maxLength(256)));
    if (fn.length < 1) items.push(constraintItem(fn, 'functionName', minLength(1)));
    else if (!matchesFunctionNamePattern(fn)) items.push(constraintItem(fn, 'functionName', pattern(FUNCTION_NAME_PATTERN)));
  }
  if (body.EventSourceArn !== undefined && !matchesEventSourceArnPattern(body.EventSourceArn)) {
    items.push(constraintItem(body.EventSourceArn, 'eventSourceArn', pattern(EVENT_SOURCE_ARN_PATTERN)));
  }
  range(items, body.BatchSize, 'batchSize', 1, 10000);
  range(items, body.MaximumBatchingWindowInSeconds, 'maximumBatchingWindowInSeconds', 0, 300);
  if (body.StartingPosition !== undefined && !(STARTING_POSITIONS as readonly string[]).includes(body.StartingPosition)) {
    items.push(constraintItem(body.StartingPosition, 'startingPosition', enumSet(STARTING_POSITIONS)));
  }
  range(items, body.ParallelizationFactor, 'parallelizationFactor', 1, 10);
  range(items, body.MaximumRetryAttempts, 'maximumRetryAttempts', -1, 10000);
  range(items, body.MaximumRecordAgeInSeconds, 'maximumRecordAgeInSeconds', -1, 604800);
  range(items, body.TumblingWindowInSeconds, 'tumblingWindowInSeconds', 0, 900);
  for (const kind of ['OnSuccess', 'OnFailure'] as const) {
    const destination = body.DestinationConfig?.[kind]?.Destination;
    const path = `destinationConfig.${kind === 'OnSuccess' ? 'onSuccess' : 'onFailure'}.destination`;
    if (destination === undefined) continue;
    if (destination.length > 350) items.push(constraintItem(destination, path, maxLength(350)));
    else if (!destinationRegex.test(destination)) items.push(constraintItem(destination, path, pattern(DESTINATION_PATTERN)));
  }
  enumList(items, body.FunctionResponseTypes, 'functionResponseTypes', RESPONSE_TYPES, 1);
  body.FilterCriteria?.Filters?.forEach((filter, index) => {
    if (filter.Pattern !== undefined && filter.Pattern.length > 4096) {
      items.push(constraintItem(filter.Pattern, `filterCriteria.filters.${index + 1}.member.pattern`, maxLength(4096)));
    }
  });
  range(items, body.ScalingConfig?.MaximumConcurrency, 'scalingConfig.maximumConcurrency', 2, 1000);
  range(items, body.ProvisionedPollerConfig?.MinimumPollers, 'provisionedPollerConfig.minimumPollers', 1, 200);
  range(items, body.ProvisionedPollerConfig?.MaximumPollers, 'provisionedPollerConfig.maximumPollers', 1, 10000);
  if (body.KMSKeyArn !== undefined && !kmsKeyArnRegex.test(body.KMSKeyArn)) {
    items.push(constraintItem(body.KMSKeyArn, 'kMSKeyArn', pattern(KMS_KEY_ARN_PATTERN)));
  }
  enumList(items, body.MetricsConfig?.Metrics, 'metricsConfig.metrics', METRICS, 3);
  items.push(...tagConstraintItems(body.Tags));
  return items;
}

/**
 * V14. The key message is AWS's; a value longer than 256 gets the same form for map
 * values (chosen).
 */
export function tagConstraintItems(tags: Record<string, string> | undefined): string[] {
  if (tags === undefined) return [];
  const items: string[] = [];
  const entries = Object.entries(tags);
  if (entries.some(([key]) => key.length < 1 || key.length > 128 || !tagRegex.test(key))) {
    items.push(constraintItem(tags, 'tags', `Map keys must satisfy constraint: [${maxLength(128)}, ${minLength(1)}, ${pattern(TAG_PATTERN)}]`));
  }
  if (entries.some(([, value]) => value.length > 256 || !tagRegex.test(value))) {
    items.push(constraintItem(tags, 'tags', `Map value must satisfy constraint: [${maxLength(256)}, ${minLength(0)}, ${pattern(TAG_PATTERN)}]`));
  }
  return items;
}

export const MAX_TAGS = 50;

/** V16 */
export function maxItemsConstraintItems(maxItems: number | undefined): string[] {
  const items: string[] = [];
  range(items, maxItems, 'maxItems', 1, 10000);
  return items;
}
