/**
 * Phase B of the checks (api.md §9): the body is JSON, an object, and every known member
 * has the JSON type Lambda's model gives it (V2, V3). Ranges come later (phase C).
 */
import { z } from 'zod';
import { invalidRequestContent } from './errors.js';
import { createOnlyFields, type MappingSettings } from './model.js';

const int = z.number().int();
const str = z.string();
const bool = z.boolean();
const strings = z.array(str);
/** Kafka / MQ / DocumentDB members are refused later (V22) whatever they hold. */
const anything = z.unknown().optional();

const mappingBodySchema = z.looseObject({
  FunctionName: str.optional(),
  EventSourceArn: str.optional(),
  Enabled: bool.optional(),
  BatchSize: int.optional(),
  MaximumBatchingWindowInSeconds: int.optional(),
  StartingPosition: str.optional(),
  StartingPositionTimestamp: z.number().optional(),
  ParallelizationFactor: int.optional(),
  MaximumRetryAttempts: int.optional(),
  MaximumRecordAgeInSeconds: int.optional(),
  BisectBatchOnFunctionError: bool.optional(),
  TumblingWindowInSeconds: int.optional(),
  DestinationConfig: z
    .looseObject({
      OnSuccess: z.looseObject({ Destination: str.optional() }).optional(),
      OnFailure: z.looseObject({ Destination: str.optional() }).optional(),
    })
    .optional(),
  FunctionResponseTypes: strings.optional(),
  // A filter's Pattern may be absent: that is V37, not a type error.
  FilterCriteria: z.looseObject({ Filters: z.array(z.looseObject({ Pattern: str.optional() })).optional() }).optional(),
  ScalingConfig: z.looseObject({ MaximumConcurrency: int.optional() }).optional(),
  ProvisionedPollerConfig: z.looseObject({ MinimumPollers: int.optional(), MaximumPollers: int.optional() }).optional(),
  KMSKeyArn: str.optional(),
  MetricsConfig: z.looseObject({ Metrics: strings.optional() }).optional(),
  Tags: z.record(z.string(), str).optional(),
  Topics: anything,
  Queues: anything,
  SourceAccessConfigurations: anything,
  SelfManagedEventSource: anything,
  SelfManagedKafkaEventSourceConfig: anything,
  AmazonManagedKafkaEventSourceConfig: anything,
  DocumentDBEventSourceConfig: anything,
  LoggingConfig: anything,
});

const tagBodySchema = z.looseObject({ Tags: z.record(z.string(), str).optional() });

/**
 * Deeper bodies fail V2 (chosen: the nesting limit of common JSON parsers, e.g. Jackson's
 * default). No member of Lambda's model is nested more than a few levels.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Parses raw request text as a JSON object (V2), cleaned as `cleanBody` says. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidRequestContent((error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequestContent(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return cleanBody(value as Record<string, unknown>);
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

/**
 * A copy of a parsed body without what no check may see:
 * - object members sent as JSON `null`: they count as absent (chosen, V3). Array items are
 *   kept, so `[null]` where strings are expected is a type error;
 * - `__proto__` members: unknown members are ignored (api.md §1), and copied into a plain
 *   object this one would set its prototype, through which validation would read members
 *   the body hides there (`{"__proto__": {"BatchSize": 0}}`).
 * It walks with its own stack, not the call stack, so a deep body costs no recursion;
 * one deeper than MAX_NESTING_DEPTH fails V2.
 */
function cleanBody(body: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const pending: { from: Container; to: Container; depth: number }[] = [{ from: body, to: root, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { from, to, depth } = next;
    const copy = (value: unknown): unknown => {
      if (!isContainer(value)) return value;
      if (depth >= MAX_NESTING_DEPTH) throw invalidRequestContent(`nesting depth exceeds the maximum of ${MAX_NESTING_DEPTH}`);
      const child: Container = Array.isArray(value) ? [] : {};
      pending.push({ from: value, to: child, depth: depth + 1 });
      return child;
    };
    if (Array.isArray(from)) {
      for (const item of from) (to as unknown[]).push(copy(item));
    } else {
      for (const [key, member] of Object.entries(from)) {
        if (member !== null && key !== '__proto__') (to as Record<string, unknown>)[key] = copy(member);
      }
    }
  }
  return root;
}

/** `FilterCriteria.Filters[0].Pattern`: the member path a V3 message names (format chosen). */
function memberPath(path: PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '');
}

function checkTypes<T>(schema: z.ZodType<T>, body: Record<string, unknown>): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidRequestContent(`${memberPath(issue.path)} has the wrong type`);
  }
  return result.data;
}

/** V2 + V3 for Create and Update bodies. */
export function parseMappingBody(text: string): MappingSettings {
  return checkTypes(mappingBodySchema, parseJsonObject(text));
}

/**
 * V2 + V3 for Update bodies. The create-only members are ignored there whatever they hold
 * (api.md §3 notes), so they are dropped before any check sees them.
 */
export function parseMappingUpdateBody(text: string): MappingSettings {
  const body = parseJsonObject(text);
  for (const key of createOnlyFields) delete body[key];
  return checkTypes(mappingBodySchema, body);
}

/** V2 + V3 for TagResource bodies. */
export function parseTagBody(text: string): { Tags?: Record<string, string> } {
  return checkTypes(tagBodySchema, parseJsonObject(text));
}
