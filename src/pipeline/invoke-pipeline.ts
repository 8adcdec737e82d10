/**
 * The pipeline: a batch job runs in the process that submitted it while that process has a
 * free job slot, else through the BullMQ queue `invoke` on Sluice's Redis, whose workers
 * run batch jobs from any process, and a QueueEvents listener hands each job's result back
 * to the poller awaiting it. Job ids are chosen before the job is added, so a result can
 * never arrive before its waiter is registered.
 *
 * Why a job runs where it was submitted when it can (issue #13, chosen): a BullMQ job costs
 * Redis about 45 commands and 4-5 sequential round trips (add, fetch, move to active, move
 * to finished, the result's event), measured with INFO commandstats
 * (test/e2e/redis-commands.test.ts). Every Sluice process shares one Redis, so that cost
 * capped a cluster's throughput, and with Redis across a network it sat on every batch's
 * critical path. What the queue gives a job, that a process other than its submitter may
 * run it, matters only when the submitter has no free slot: the submitter waits for the
 * result anyway, and a job whose submitter died has nobody to hand its result to (SQS
 * messages come back after their visibility timeout; a stream's new lease holder replays
 * from the checkpoint). So the queue stays the overflow: a saturated process's jobs go
 * there and any process's worker with a free slot takes them. Both kinds share the
 * process's slots (job-slots.ts) and both check the job's fence (job-fence.ts).
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { Logger } from '../observability/logger.js';
import type { SluiceMetrics } from '../observability/metrics.js';
import type { FunctionTargets } from './function-targets.js';
import { retentionOptions, slimEndedJob } from './job-retention.js';
import { invokeJob } from './invoke-job.js';
import { RateLimitedWarnings, rateLimitedErrorListener } from '../observability/rate-limited-warnings.js';
import { INVOKE_QUEUE, type BatchJobData, type BatchJobResult } from './batch-job.js';
import { unlessFenced, type FenceGuard } from './job-fence.js';
import type { RedisTarget } from '../redis/connection-options.js';
import { bullConnection } from './bull-connection.js';
import { JobSlots } from './job-slots.js';

export interface InvokePipelineOptions {
  /** Sluice's Redis (src/redis/connection-options.ts). */
  redis: RedisTarget;
  /** BullMQ key prefix (Sluice's `redis.keyPrefix`). */
  prefix: string;
  /** Jobs this process runs at once. 0 = this process only submits. */
  workerConcurrency: number;
  /** The targets this process's worker invokes, one attempt per job (invoke-job.ts). */
  targets: FunctionTargets;
  logger: Logger;
  /**
   * Where failed attempts are warned about (rate-limited per mapping and cause); default one
   * of the pipeline's own on `logger`.
   */
  invocationWarnings?: RateLimitedWarnings;
  /**
   * How long a running job stays locked to its worker without renewal (BullMQ
   * `lockDuration`; renewed every half of it). A job whose process died is run again by
   * another process within about twice this long (stalled-job checks every half of it), so
   * the poller waiting for it (e.g. a shard that must not move on) is not stuck for BullMQ's
   * default 30-60 s. Default 30 000.
   */
  jobLockMs?: number;
  /** Counts jobs refused by their fence (job-fence.ts), invocations in flight and failed attempts' causes. */
  metrics?: SluiceMetrics;
  /**
   * Run a job in the submitting process while it has a free slot (default true); false
   * sends every job through the BullMQ queue (`pipeline.runLocally`).
   */
  runLocally?: boolean;
  /** Ended jobs kept for `/ui` (config `api.ui.keepJobs`, job-retention.ts); default 0: none. */
  keepJobs?: number;
}

/**
 * The queue `invoke` (BullMQ prefix = Sluice's keyspace prefix, src/redis/keyspace.ts),
 * e.g. to observe it. An observer (`observe`) writes nothing to Redis, not even the
 * queue's meta hash, so a process that fails to start leaves no trace. Closing it also
 * releases its connection (bull-connection.ts).
 */
export class InvokeQueue extends Queue<BatchJobData, BatchJobResult> {
  private readonly release: () => void;

  constructor(redis: RedisTarget, prefix: string, options: { observe?: boolean } = {}) {
    const bull = bullConnection(redis);
    super(INVOKE_QUEUE, { connection: bull.connection, prefix, ...(options.observe ? { skipMetasUpdate: true } : {}) });
    this.release = bull.release;
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      this.release();
    }
  }

  override async disconnect(): Promise<void> {
    try {
      await super.disconnect();
    } finally {
      this.release();
    }
  }
}

export const openInvokeQueue = (redis: RedisTarget, prefix: string, options: { observe?: boolean } = {}): InvokeQueue => new InvokeQueue(redis, prefix, options);

interface Waiter {
  resolve(result: BatchJobResult): void;
  reject(error: Error): void;
}

/** The job failed for a reason of Sluice's own (e.g. Redis), not the target's. */
export class BatchJobError extends Error {
  override name = 'BatchJobError';
}

/**
 * How long a closing worker whose jobs have returned may take to end before its connections
 * are dropped: room for BullMQ to record the last results (one script each; a result not
 * recorded makes the job stall and run again), far below its 15 s run retry delay.
 */
const WORKER_LOOP_SETTLE_MS = 3000;

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class InvokePipeline {
  private queue?: InvokeQueue;
  /** The Cluster instances of the events listener and the worker (bull-connection.ts). */
  private readonly releases: Array<() => void> = [];
  private events?: QueueEvents;
  private worker?: Worker<BatchJobData, BatchJobResult>;
  private readonly waiters = new Map<string, Waiter>();
  /** Connection errors repeat on every reconnect while Redis is down: told once, then counted. */
  private readonly connectionWarnings: RateLimitedWarnings;
  private readonly invocationWarnings: RateLimitedWarnings;
  private running = 0;
  private readonly noJobRunsWaiters: Array<() => void> = [];
  /** The process's `workerConcurrency`, shared by local and BullMQ jobs; absent when this process only submits. */
  private slots?: JobSlots;
  private guard?: FenceGuard;
  private closing = false;

  constructor(private readonly options: InvokePipelineOptions) {
    this.connectionWarnings = new RateLimitedWarnings(options.logger);
    this.invocationWarnings = options.invocationWarnings ?? new RateLimitedWarnings(options.logger);
  }

  /** One job: one attempt at the function's target (invoke-job.ts). */
  private runJob(data: BatchJobData, batchId: string): Promise<BatchJobResult> {
    const { targets, logger, metrics } = this.options;
    return invokeJob(data, targets, {
      logger: logger.child({ mappingId: data.mappingId, batchId }),
      warnings: this.invocationWarnings,
      ...(metrics ? { metrics } : {}),
    });
  }

  async start(): Promise<void> {
    const { redis, prefix, logger } = this.options;
    this.queue = openInvokeQueue(redis, prefix);
    const events = bullConnection(redis);
    this.releases.push(events.release);
    this.events = new QueueEvents(INVOKE_QUEUE, { connection: events.connection, prefix });
    this.events.on('completed', ({ jobId, returnvalue }) => {
      const value = typeof returnvalue === 'string' ? (JSON.parse(returnvalue) as BatchJobResult) : (returnvalue as unknown as BatchJobResult);
      this.settle(jobId, (w) => w.resolve(value));
    });
    this.events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, (w) => w.reject(new BatchJobError(failedReason))));
    this.queue.on('error', rateLimitedErrorListener(this.connectionWarnings, 'invoke queue error'));
    this.events.on('error', rateLimitedErrorListener(this.connectionWarnings, 'invoke queue events error'));
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);

    if (this.options.workerConcurrency > 0) {
      const { connection, release } = bullConnection(redis);
      this.releases.push(release);
      this.slots = new JobSlots(this.options.workerConcurrency);
      this.guard = { redis: () => this.queue!.getBackend().client, logger, ...(this.options.metrics ? { metrics: this.options.metrics } : {}) };
      const slots = this.slots;
      // A job whose lock ran out (its process paused or died) is run again (BullMQ's default
      // maxStalledCount 1; stalled twice, it fails), by choice: its submitter may be alive and
      // waiting for it (only the worker's process stopped), and running it again is what lets
      // that submitter go on. Not re-running it would fail the job, and the submitter would
      // retry it anyway, with one more attempt counted. What a re-run must not do, invoke a
      // stream batch whose shard has moved on meanwhile, the job's fence prevents: it is
      // checked here, right before the target is invoked (job-fence.ts).
      this.worker = new Worker<BatchJobData, BatchJobResult>(
        INVOKE_QUEUE,
        async (job: Job<BatchJobData, BatchJobResult>) => {
          // Jobs run where they were submitted may hold every slot: this one waits for one
          // (its lock is renewed meanwhile). A job of a saturated process reaches this only
          // when no process had a free slot at submit time, so the wait is the queue's own.
          await slots.take();
          return this.runInSlot(job.data, job.id!);
        },
        {
          connection,
          prefix,
          concurrency: this.options.workerConcurrency,
          // BullMQ waits runRetryDelay (15 s by default) after a connection error before it
          // asks Redis for the next job again; a Redis restart or Sentinel failover would
          // then stall every invocation of this process for 15 s after Redis is back. 1 s
          // keeps that in line with the 2 s reconnect bound of bull-connection.ts.
          runRetryDelay: 1_000,
          ...(this.options.jobLockMs !== undefined
            ? { lockDuration: this.options.jobLockMs, stalledInterval: Math.max(500, Math.floor(this.options.jobLockMs / 2)) }
            : {}),
        },
      );
      this.worker.on('error', rateLimitedErrorListener(this.connectionWarnings, 'invoke worker error'));
      // A job run by this process resolves its waiter at once; QueueEvents covers jobs run
      // by other processes (whichever comes first wins, the other finds no waiter).
      this.worker.on('completed', (job, result) => {
        this.settle(job.id!, (w) => w.resolve(result));
        if ((this.options.keepJobs ?? 0) > 0) void slimEndedJob(job, result, logger);
      });
      this.worker.on('failed', (job, error) => {
        if (!job) return;
        this.settle(job.id!, (w) => w.reject(new BatchJobError(error.message)));
        if ((this.options.keepJobs ?? 0) > 0) void slimEndedJob(job, undefined, logger);
      });
      await this.worker.waitUntilReady();
    }
  }

  /** Runs one job in a slot already taken, checking its fence first; gives the slot back. */
  private async runInSlot(data: BatchJobData, batchId: string): Promise<BatchJobResult> {
    this.running++;
    try {
      return await unlessFenced(data, batchId, this.guard!, () => this.runJob(data, batchId));
    } finally {
      this.running--;
      this.slots!.give();
      if (this.running === 0) for (const resolve of this.noJobRunsWaiters.splice(0)) resolve();
    }
  }

  /**
   * Runs the batch job and resolves with its result: here when this process has a free
   * slot, else as a BullMQ job, whichever process runs it.
   */
  submit(data: BatchJobData): Promise<BatchJobResult> {
    if (!this.queue) return Promise.reject(new BatchJobError('pipeline not started'));
    const jobId = randomUUID();
    const result = new Promise<BatchJobResult>((resolve, reject) => this.waiters.set(jobId, { resolve, reject }));
    if (this.options.runLocally !== false && !this.closing && this.slots?.tryTake()) {
      this.runInSlot(data, jobId).then(
        (value) => this.settle(jobId, (w) => w.resolve(value)),
        (error: unknown) => this.settle(jobId, (w) => w.reject(new BatchJobError(error instanceof Error ? error.message : String(error)))),
      );
      return result;
    }
    this.queue
      .add('batch', data, { jobId, attempts: 1, ...retentionOptions(this.options.keepJobs ?? 0) })
      .catch((error: unknown) => this.settle(jobId, (w) => w.reject(new BatchJobError(`could not enqueue batch: ${(error as Error).message}`))));
    return result;
  }

  /**
   * Rejects every batch still waiting for its job: Redis lost the jobs (the store was
   * lost), so no result will come. Their sources treat it as a failed batch job (SQS
   * messages come back after their visibility timeout).
   */
  abandonWaiters(reason: string): void {
    for (const [jobId] of this.waiters) this.settle(jobId, (w) => w.reject(new BatchJobError(reason)));
  }

  /** Jobs this process runs right now (shutdown reports them when they do not finish). */
  get runningJobs(): number {
    return this.running;
  }

  private whenNoJobRuns(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.noJobRunsWaiters.push(resolve));
  }

  /** Drops BullMQ's connections at once, whatever is pending (a shutdown out of time). */
  disconnect(): void {
    for (const part of [this.worker, this.events, this.queue]) void part?.disconnect().catch(() => undefined);
    for (const release of this.releases.splice(0)) release();
  }

  private settle(jobId: string, action: (waiter: Waiter) => void): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    this.waiters.delete(jobId);
    action(waiter);
  }

  /**
   * Stops taking jobs; running ones may finish until `graceMs`, then they are abandoned
   * (BullMQ hands a stalled job to another worker; SQS messages come back after their
   * visibility timeout). Waiters still pending are rejected.
   */
  async close(graceMs = 0): Promise<void> {
    this.closing = true;
    if (this.worker) {
      const worker = this.worker;
      const closed = worker.close().then(
        () => true,
        () => true,
      );
      if (!(await settlesWithin(this.whenNoJobRuns(), graceMs))) {
        this.options.logger.warn({ running: this.running, graceMs }, 'batch jobs still running at the end of the shutdown grace are abandoned');
      }
      // With no job of ours left, what close() still waits for is BullMQ's fetch loop. After a
      // Redis error that loop sleeps through BullMQ's run retry delay (15 s) before it looks
      // at `closing` again, and close() cannot cut that sleep short (a second close(true)
      // returns the first close's promise). Nothing is fetched during that sleep, so after a
      // short bound the worker's connections are dropped instead of waited for.
      if (!(await settlesWithin(closed, WORKER_LOOP_SETTLE_MS))) void worker.disconnect().catch(() => undefined);
    }
    this.abandonWaiters('pipeline closed');
    await Promise.allSettled([this.events?.close(), this.queue?.close()]);
    for (const release of this.releases.splice(0)) release();
    this.connectionWarnings.close();
    if (!this.options.invocationWarnings) this.invocationWarnings.close();
  }
}
