/**
 * The batch job: the unit of durability (design.md). Its data carries everything a worker
 * in any Sluice process needs to invoke the target; its result is the invocation outcome,
 * which the poller that read the batch applies (SQS: delete; streams: checkpoint).
 */
import type { InvocationOutcome } from '../targets/index.js';
import type { SourceType } from '../mappings/event-source-arn.js';
import type { JobFence } from './job-fence.js';

export const INVOKE_QUEUE = 'invoke';

export interface BatchJobData {
  mappingId: string;
  source: SourceType;
  /** The mapping's FunctionArn when the batch was read (an update moves later batches only). */
  functionArn: string;
  /** The event JSON, `{"Records":[...]}`, exactly as the target receives it. */
  payload: string;
  /** How many records the payload holds (logs, metrics). */
  recordCount: number;
  /**
   * Epoch ms by which invocation-error retries must be over: SQS retries an invocation
   * error only while every message keeps its visibility (sqs.md §6). Absent: no retries.
   */
  retryInvocationErrorsUntil?: number;
  /**
   * The mapping has FunctionResponseTypes ReportBatchItemFailures: a response listing
   * failures counts as a partial failure (metrics: `sluice_invocations_total{outcome}`).
   */
  reportBatchItemFailures?: boolean;
  /**
   * The event is a tumbling-window invocation (streams.md §15): a response without an
   * object `state` is a failed invocation, labelled `failure_response` (metrics.md §4).
   */
  tumblingWindow?: boolean;
  /**
   * Checked right before the target is invoked: a job whose fence moved is not invoked
   * (job-fence.ts). Stream batches carry their shard lease's.
   */
  fence?: JobFence;
}

export interface BatchJobResult {
  outcome: InvocationOutcome;
  /** Invocation attempts made (invocation errors retried). */
  attempts: number;
  /** The job's fence had moved: the target was not invoked (the outcome is an invocation error saying so, attempts 0). */
  fenced?: true;
}
