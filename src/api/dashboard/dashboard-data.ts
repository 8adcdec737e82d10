/**
 * `GET /sluice/v1/dashboard`: everything the dashboard page (`GET /`) draws, in one JSON
 * body, so the page needs one request per refresh:
 *
 *   {"GeneratedAt": ms, "Workers": [...as the shards route],
 *    "Mappings": [{"UUID", "EventSourceMappingArn", "State", "Enabled",
 *                  "Source": "sqs"|"kinesis"|"dynamodb", "EventSourceArn", "FunctionArn",
 *                  "LastProcessingResult": string|null, "BatchSize",
 *                  "Activity": {"Start", "BucketMs", "In", "Invoked", "FilteredOut", "Failed"},
 *                  "Totals": {"In", "Invoked", "FilteredOut", "Failed"},
 *                  "Failures": [{"at", "process", "level", "cause", "function", "message", "repeats"?}],
 *                  "Shards": [...as the shards route] | null, "ShardsError"?: string}]}
 *
 * Activity is per 10 s bucket over the last 15 minutes, summed over every process (records
 * in, records invoked, records filtered out, failed invocation attempts); everything comes
 * from Redis, so any process's page shows the whole cluster. Protected like every
 * `/sluice/v1` route; the page's browser credential is accepted there (auth/register-auth.ts).
 */
import { defaultsFor, type StoredMapping } from '../../mappings/model.js';
import type { ShardBody, ShardsReader, WorkerBody } from '../shards-route.js';

export const DASHBOARD_DATA_ROUTE = '/sluice/v1/dashboard';

export interface ActivityBody {
  start: number;
  bucketMs: number;
  counts: { in: number[]; invoked: number[]; filtered: number[]; failed: number[] };
}

export interface FailureBody {
  at: number;
  process: string;
  level: string;
  cause: string | null;
  function: string | null;
  message: string;
  repeats?: number;
}

export interface DashboardDataDependencies {
  /** Every stored mapping, in List order. */
  mappings(): Promise<StoredMapping[]>;
  activity(mappingId: string): Promise<ActivityBody>;
  failures(mappingId: string): Promise<FailureBody[]>;
  shards: ShardsReader;
}

export interface DashboardMapping {
  UUID: string;
  EventSourceMappingArn: string;
  State: string;
  Enabled: boolean;
  Source: string;
  EventSourceArn: string;
  FunctionArn: string;
  LastProcessingResult: string | null;
  BatchSize: number;
  Activity: { Start: number; BucketMs: number; In: number[]; Invoked: number[]; FilteredOut: number[]; Failed: number[] };
  Totals: { In: number; Invoked: number; FilteredOut: number; Failed: number };
  Failures: FailureBody[];
  Shards: ShardBody[] | null;
  ShardsError?: string;
}

export interface DashboardBody {
  GeneratedAt: number;
  Workers: WorkerBody[];
  Mappings: DashboardMapping[];
}

/**
 * Mappings drawn at most (chosen): each costs about 20 Redis reads per refresh; a store with
 * more shows the first ones in List order and says how many are left out.
 */
export const DASHBOARD_MAX_MAPPINGS = 200;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export async function readDashboard(deps: DashboardDataDependencies, now = Date.now()): Promise<DashboardBody & { Omitted: number }> {
  const [all, workers] = await Promise.all([deps.mappings(), deps.shards.workers()]);
  const shown = all.slice(0, DASHBOARD_MAX_MAPPINGS);
  const mappings = await Promise.all(shown.map((mapping) => readMapping(mapping, deps)));
  return { GeneratedAt: now, Workers: workers, Mappings: mappings, Omitted: all.length - shown.length };
}

async function readMapping(mapping: StoredMapping, deps: DashboardDataDependencies): Promise<DashboardMapping> {
  const stream = mapping.sourceType !== 'sqs';
  const [activity, failures, shards] = await Promise.all([
    deps.activity(mapping.UUID),
    deps.failures(mapping.UUID),
    // A stream whose shards cannot be read (its listing failed and Redis knows none) still shows the rest.
    stream ? deps.shards.shards(mapping.UUID, mapping.EventSourceArn).then((s) => ({ ok: s }), (error: Error) => ({ error: error.message })) : undefined,
  ]);
  const { counts } = activity;
  return {
    UUID: mapping.UUID,
    EventSourceMappingArn: mapping.EventSourceMappingArn,
    State: mapping.State,
    Enabled: mapping.enabled,
    Source: mapping.sourceType,
    EventSourceArn: mapping.EventSourceArn,
    FunctionArn: mapping.FunctionArn,
    LastProcessingResult: mapping.LastProcessingResult ?? null,
    BatchSize: mapping.settings.BatchSize ?? defaultsFor(mapping.sourceType, mapping.fifo).BatchSize,
    Activity: { Start: activity.start, BucketMs: activity.bucketMs, In: counts.in, Invoked: counts.invoked, FilteredOut: counts.filtered, Failed: counts.failed },
    Totals: { In: sum(counts.in), Invoked: sum(counts.invoked), FilteredOut: sum(counts.filtered), Failed: sum(counts.failed) },
    Failures: failures,
    Shards: shards && 'ok' in shards ? shards.ok : null,
    ...(shards && 'error' in shards ? { ShardsError: shards.error } : {}),
  };
}
