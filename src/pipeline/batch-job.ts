/**
 * The batch job: one invocation attempt (design.md, Decisions). Its data carries everything
 * a worker in any Sluice process needs to invoke the target once; its result is the
 * outcome with the parsed response, which the source's policy that submitted it judges
 * (SQS: delete, keep, try again; streams: retry, bisect, checkpoint). The pipeline never
 * retries: whether another attempt follows is the source's decision.
 */
import type { InvocationOutcome } from '../targets/index.js';
import type { SourceType } from '../mappings/event-source-arn.js';

export const INVOKE_QUEUE = 'invoke';

/**
 * A Redis value a job's submitter held when it submitted: the job runs only while it holds
 * (job-fence.ts checks it).
 */
export interface JobFence {
  /** The Redis hash holding the value. */
  key: string;
  field: string;
  /** The job may run only while the field's value starts with this. */
  prefix: string;
  /** What the fence guards, added to the log line of a refusal (e.g. `{ shardId }`). */
  subject?: Record<string, string>;
}

export interface BatchJobData {
  mappingId: string;
  /** The source's type, only as a metric label (the pipeline does not look at it otherwise). */
  source: SourceType;
  /** The mapping's FunctionArn when the batch was read (an update moves later batches only). */
  functionArn: string;
  /** The event JSON, `{"Records":[...]}`, exactly as the target receives it. */
  payload: string;
  /** How many records the payload holds (logs, metrics). */
  recordCount: number;
  /**
   * Checked right before the target is invoked: a job whose fence moved is not invoked
   * (job-fence.ts). Stream batches carry their shard lease's.
   */
  fence?: JobFence;
}

export interface BatchJobResult {
  /** The target's outcome; a success carries the response, parsed once by the target. */
  outcome: InvocationOutcome;
  /** The job's fence had moved: the target was not invoked (the outcome is an invocation error saying so). */
  fenced?: true;
}
