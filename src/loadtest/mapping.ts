/**
 * The mapping under test, made through the Lambda API like a user would:
 * CreateEventSourceMapping with the plan's fields, the trace switched on by the
 * `sluice:trace` tag, then waited for until Enabled; DeleteEventSourceMapping at the end,
 * waited for until it is gone (Sluice stops its pollers before the mapping disappears).
 *
 * StartingPosition (streams), unless plan.mapping gives one (chosen):
 * - a created stream or table: TRIM_HORIZON. It is new and empty, so that is exactly the
 *   run's records, and none can be skipped however late Sluice takes its first iterator.
 * - an existing one: LATEST. Its history is not the run's (reading it would count as
 *   `unknown_ids` and hold back the run's own records behind it); Sluice pins LATEST at
 *   creation (streams.md §3), so records written after CreateEventSourceMapping are read.
 *
 * Waiting (honest about what is known): Enabled says Sluice's store accepted the mapping;
 * it does not say a poller reads yet. For streams the run also waits, up to
 * STREAM_READY_TIMEOUT_MS, until Sluice's `/metrics` shows a shard lease held for the
 * mapping (`sluice_shard_leases{mapping}` > 0), then STREAM_SETTLE_MS more (chosen: between
 * taking a lease and the first GetRecords there is an iterator to get; a guess, not a
 * signal). Without that wait the first records' latency would include Sluice's start-up.
 * If the metric never shows (e.g. metrics off), the run goes on after the timeout: the
 * records are not lost (see StartingPosition), only their latency starts higher.
 */
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { MAX_TRACE_ENTRIES, TRACE_TAG } from '../mappings/invocation-trace.js';
import { parsePrometheus } from './backlog.js';
import type { LoadtestPlan, SluiceClient } from './plan.js';
import type { RunResources } from './resources.js';

export const STREAM_READY_TIMEOUT_MS = 15_000;
export const STREAM_SETTLE_MS = 1_000;
const ENABLED_TIMEOUT_MS = 30_000;
const DELETE_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

/**
 * (chosen) Trace entries to keep: one per invocation at batch size 1, plus half again and
 * 1,000 for retries and duplicates, within the trace's maximum. A run whose invocations
 * outgrow it loses its oldest entries (those records would show as missing); at batch
 * sizes above 1 there are far fewer invocations than records.
 */
export function traceCap(plannedRecords: number): number {
  return Math.min(MAX_TRACE_ENTRIES, Math.max(1_000, Math.ceil(plannedRecords * 1.5) + 1_000));
}

const isStringRecord = (value: unknown): value is Record<string, string> => typeof value === 'object' && value !== null && !Array.isArray(value);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function mappingInput(plan: LoadtestPlan, resources: RunResources, plannedRecords: number): CreateEventSourceMappingCommandInput {
  const streams = plan.source === 'kinesis' || plan.source === 'dynamodb';
  const input: Record<string, unknown> = {
    ...plan.mapping,
    FunctionName: plan.functionName,
    EventSourceArn: resources.eventSourceArn,
    Enabled: true,
    Tags: { ...(isStringRecord(plan.mapping.Tags) ? plan.mapping.Tags : {}), [TRACE_TAG]: String(traceCap(plannedRecords)) },
  };
  if (streams && input.StartingPosition === undefined) input.StartingPosition = resources.created ? 'TRIM_HORIZON' : 'LATEST';
  if (resources.onFailureDestinationArn) input.DestinationConfig = { OnFailure: { Destination: resources.onFailureDestinationArn } };
  return input as unknown as CreateEventSourceMappingCommandInput;
}

export interface MappingOptions {
  signal?: AbortSignal;
  settleMs?: number;
  readyTimeoutMs?: number;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
}

/** Creates the mapping and waits until it reads; returns its UUID. On a failure after creation it deletes it again. */
export async function createMapping(lambda: LambdaClient, client: SluiceClient, plan: LoadtestPlan, resources: RunResources, plannedRecords: number, options: MappingOptions = {}): Promise<string> {
  const created = await lambda.send(new CreateEventSourceMappingCommand(mappingInput(plan, resources, plannedRecords)));
  const uuid = created.UUID;
  if (!uuid) throw new Error('CreateEventSourceMapping gave no UUID');
  try {
    let state = created.State;
    const enabled = await until('Enabled', ENABLED_TIMEOUT_MS, async () => {
      if (state === 'Enabled') return true;
      state = (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;
      return state === 'Enabled';
    }, options.signal);
    if (!enabled) throw new Error(`mapping ${uuid}: still ${state ?? 'unknown'} after ${ENABLED_TIMEOUT_MS} ms, not Enabled`);
    if (plan.source === 'kinesis' || plan.source === 'dynamodb') {
      const held = await until('shard leases', options.readyTimeoutMs ?? STREAM_READY_TIMEOUT_MS, async () => {
        const text = await client.readMetrics().catch(() => '');
        return parsePrometheus(text).some((s) => s.name === 'sluice_shard_leases' && s.labels.mapping === uuid && s.value > 0);
      }, options.signal);
      if (held) await sleep(options.settleMs ?? STREAM_SETTLE_MS);
    }
    return uuid;
  } catch (error) {
    await deleteMapping(lambda, uuid).catch(() => undefined);
    throw error;
  }
}

/** Deletes the mapping and waits until GetEventSourceMapping says it is gone. */
export async function deleteMapping(lambda: LambdaClient, uuid: string): Promise<void> {
  try {
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return;
    throw error;
  }
  const gone = await until('deleted', DELETE_TIMEOUT_MS, async () => {
    try {
      await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      return false;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return true;
      throw error;
    }
  });
  if (!gone) throw new Error(`mapping ${uuid}: still there ${DELETE_TIMEOUT_MS} ms after DeleteEventSourceMapping`);
}
