/**
 * What one `sluice loadtest` run is asked to do, once the command line and the scenario file
 * are resolved (src/loadtest/cli/), and the seams between the run's parts:
 *
 *   plan ──► run-loadtest (resources, mapping, producer, trace, backlog) ──► RunData ──► report/
 *                 │  progress snapshots
 *                 ▼
 *              progress view (TTY bar or plain lines)
 *
 * Everything here drives Sluice from outside, like a user (design.md): the Lambda API for the
 * mapping, the sources' own APIs for the records, Sluice's `/sluice/v1` routes for the trace.
 */
import type { BacklogSample, InvocationTrace, RunSettings } from './run-data.js';

export type LoadSource = RunSettings['source'];

/**
 * One stretch of the load shape. The rate moves linearly from `fromRate` to `toRate` over
 * the phase (a ramp); `fromRate === toRate` is steady; a spike is a short steady phase.
 */
export interface LoadPhase {
  name: string;
  durationMs: number;
  /** Records per second at the phase's start. */
  fromRate: number;
  /** Records per second at its end. */
  toRate: number;
}

/** How many records to send, and when. Bounded either way: a count or a total duration. */
export type LoadShape =
  | { kind: 'count'; count: number; rate: number }
  | { kind: 'phases'; phases: LoadPhase[] };

/** What each record carries. Templates may use `{{seq}}`, `{{uuid}}` and `{{now}}` (epoch ms). */
export type PayloadSpec =
  | { kind: 'size'; bytes: number }
  | { kind: 'template'; template: string }
  /** JSON Lines: one record body per line, cycled when the run sends more records than the file has. */
  | { kind: 'file'; path: string };

/** The source resource: an existing one by ARN, or one the run creates and removes. */
export type ResourceSpec =
  | { kind: 'existing'; arn: string }
  | { kind: 'create'; shards?: number };

export interface Endpoints {
  region: string;
  /** Sluice's API (the Lambda endpoint). */
  lambda: string;
  sqs?: string;
  kinesis?: string;
  dynamodb?: string;
  /** Static credentials (the sandbox's); otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface LoadtestPlan {
  source: LoadSource;
  resource: ResourceSpec;
  /** A configured function, or a builtin one (`noop`, `echo`, `sleep:<ms>`, `fail:<ratio>`). */
  functionName: string;
  /** CreateEventSourceMapping fields (BatchSize, MaximumBatchingWindowInSeconds, ParallelizationFactor, FunctionResponseTypes, ...). */
  mapping: Record<string, unknown>;
  /** Give the mapping an on-failure destination (streams) or the queue a DLQ (SQS) the run creates, and count what reaches it. */
  onFailure: boolean;
  load: LoadShape;
  payload: PayloadSpec;
  /** Send requests in flight at once, at most. */
  maxInFlight: number;
  /** How long after the last send an invocation still counts; a record not invoked by then is missing. */
  graceMs: number;
  endpoints: Endpoints;
}

/** What the progress view shows, produced about once a second while the run goes on. */
export interface ProgressSnapshot {
  elapsedMs: number;
  /** Planned length of the sending part (count / rate, or the phases' sum). */
  plannedMs: number;
  /** Sending, then waiting out the grace period for the last invocations. */
  stage: 'sending' | 'draining';
  phase?: string;
  sent: number;
  /** Records planned in all (count, or the phases' integral). */
  planned: number;
  /** Distinct records invoked so far. */
  invoked: number;
  /** Invocations that failed (function or invocation error). */
  failed: number;
  /** Per second, over the last few seconds. */
  sendRate: number;
  invokeRate: number;
  latencyMs?: { p50: number; p99: number };
  backlog?: BacklogSample;
  /** The producer could not hold the asked rate. */
  behind: boolean;
}

/** Sluice's own routes the run reads, signed like the Lambda API (src/loadtest/sluice-client.ts). */
export interface SluiceClient {
  /** The mapping's invocation trace after `cursor` (from the start when absent). */
  readTrace(mappingUuid: string, cursor?: string): Promise<{ entries: InvocationTrace[]; cursor: string | undefined }>;
  /** `/metrics` in Prometheus text format (iterator age per shard for stream backlog). */
  readMetrics(): Promise<string>;
}
