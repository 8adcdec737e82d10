/**
 * How long ended batch jobs stay in the BullMQ queue `invoke`, so that `/ui` (bull-board)
 * shows the latest ones (config `api.ui.keepJobs`, issue #15): the last N completed (for at
 * most an hour) and the last N failed (a day), counted by BullMQ when a job ends.
 *
 * Bounded in bytes too (chosen): a job's data holds its event, up to 6 MB, so N kept as they
 * were could hold hundreds of MB. Once a job has ended (completed or failed: it is never run
 * again), the process that ran it replaces the event by a one-line summary (one HSET), and
 * removes a completed job whose result (the function's response) exceeds 64 KB. A kept job
 * then costs its result and a few hundred bytes: at most about N × 64 KB. The event cannot
 * be dropped earlier: a job whose process dies mid-run is run again by another, with its
 * data. A process that dies between a job's end and its slimming leaves that one job whole
 * (still counted among the N).
 *
 * Only batch jobs that went through the queue are there: a batch runs in the process that
 * read it while that process has a free job slot (`pipeline.runLocally`, the default), so
 * `/ui` shows the overflow (and every batch with `runLocally: false`), not every invocation;
 * the dashboard at `/` counts them all.
 */
import type { Job, JobsOptions } from 'bullmq';
import type { Logger } from '../observability/logger.js';
import type { BatchJobData, BatchJobResult } from './batch-job.js';

/** Results larger than this are not kept (chosen: a batchItemFailures list of 10 000 ids fits). */
export const KEPT_RESULT_MAX_BYTES = 64 * 1024;
const COMPLETED_AGE_SECONDS = 3600;
const FAILED_AGE_SECONDS = 24 * 3600;

/** BullMQ's removal options for a new batch job. */
export function retentionOptions(keepJobs: number): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  if (keepJobs <= 0) return { removeOnComplete: true, removeOnFail: true };
  return { removeOnComplete: { count: keepJobs, age: COMPLETED_AGE_SECONDS }, removeOnFail: { count: keepJobs, age: FAILED_AGE_SECONDS } };
}

/** What a kept job's data says instead of its event. */
export const summarizedPayload = (data: Pick<BatchJobData, 'payload' | 'recordCount'>): string =>
  `(event of ${data.recordCount} record${data.recordCount === 1 ? '' : 's'}, ${Buffer.byteLength(data.payload)} bytes: not kept once the job ended, see api.ui.keepJobs)`;

/**
 * Slims an ended job (see the module comment). A job BullMQ already removed (beyond the N)
 * is fine; any other failure is logged at debug level: the job stays whole and still counts
 * among the N, nothing else depends on it.
 */
export async function slimEndedJob(job: Job<BatchJobData, BatchJobResult>, result: BatchJobResult | undefined, logger: Logger): Promise<void> {
  try {
    if (result !== undefined && Buffer.byteLength(JSON.stringify(result)) > KEPT_RESULT_MAX_BYTES) {
      await job.remove();
      return;
    }
    if (typeof job.data.payload === 'string' && !job.data.payload.startsWith('(event of ')) {
      await job.updateData({ ...job.data, payload: summarizedPayload(job.data) });
    }
  } catch (error) {
    logger.debug({ err: error, batchId: job.id }, 'ended batch job not slimmed (already removed?)');
  }
}
