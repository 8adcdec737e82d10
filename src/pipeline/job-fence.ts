/**
 * Fenced batch jobs. A job can be run long after its submitter lost the right to invoke it:
 * it waits in the queue, or BullMQ hands it to another worker once its lock ran out because
 * the process running it was paused or died. A stream batch run then, after the shard's
 * lease moved, reaches the target after the new holder replayed it from the checkpoint and
 * moved on: a key's older records after its newer ones, two batches of a shard in flight
 * (streams.md §2, §6). So a job may carry a fence, a Redis value its submitter held when it
 * submitted; the worker checks it right before invoking the target and, once it moved,
 * ends the job without invoking, with a result marked `fenced`.
 *
 * The fence is generic (the pipeline knows nothing of leases): a hash field and the prefix
 * its value must still start with. Shard leases store `<token>|<expiresAt>|<workerId>` and
 * fence with `<token>|` (ShardLeases.fence): renewals keep the token, every new holder
 * gets a new one. The check and the request to the target are not atomic: a fence moving
 * in between (milliseconds) is not seen, as for any invocation already on its way when a
 * lease moves.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { mappingLabels, type SluiceMetrics } from '../observability/metrics.js';
import type { BatchJobData, BatchJobResult, JobFence } from './batch-job.js';

export type { JobFence } from './batch-job.js';


/** errorCode of the outcome of a fenced job: the target was not invoked. */
export const JOB_FENCED = 'JobFenced';

/** Why the fence no longer holds, or undefined while it does. */
export async function fenceMoved(redis: Pick<Redis, 'hget'>, fence: JobFence): Promise<string | undefined> {
  const value = await redis.hget(fence.key, fence.field);
  if (value?.startsWith(fence.prefix)) return undefined;
  return `${fence.key} ${fence.field} is ${value === null ? 'gone' : `now "${value}"`}, the job was fenced with "${fence.prefix}"`;
}

/** The result of a job refused by its fence: nothing was invoked (an invocation error to whoever ignores `fenced`). */
export function fencedResult(reason: string): BatchJobResult {
  return {
    outcome: { kind: 'invocation-error', reason: 'service-error', errorCode: JOB_FENCED, errorMessage: `not invoked: ${reason}`, durationMs: 0 },
    fenced: true,
  };
}

export interface FenceGuard {
  /** A connection to Sluice's Redis (the worker's own). */
  redis: () => Promise<Pick<Redis, 'hget'>>;
  logger: Logger;
  metrics?: SluiceMetrics;
}

/** Runs the job (`invoke`) unless its fence moved; a refusal is logged and counted (rare: no rate limit). */
export async function unlessFenced(data: BatchJobData, batchId: string, guard: FenceGuard, invoke: () => Promise<BatchJobResult>): Promise<BatchJobResult> {
  if (!data.fence) return invoke();
  const moved = await fenceMoved(await guard.redis(), data.fence);
  if (moved === undefined) return invoke();
  guard.logger.warn(
    { mappingId: data.mappingId, functionArn: data.functionArn, batchId, ...data.fence.subject, reason: moved },
    'batch not invoked: its submitter lost the right to run it (fence moved, e.g. the shard lease)',
  );
  guard.metrics?.fencedInvocation(mappingLabels(data.mappingId, data.source, data.functionArn));
  return fencedResult(moved);
}
