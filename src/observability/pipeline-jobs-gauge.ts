/**
 * `sluice_pipeline_jobs{state}` (chosen; metrics.md names no queue metric): batch jobs in
 * the BullMQ queue `invoke` by state, read from Redis at each scrape. The queue is shared
 * by every process on the Redis, so each process reports the same numbers: aggregate
 * with `max`, not `sum`.
 */
import { Gauge } from 'prom-client';
import type { SluiceMetrics } from './metrics.js';

/** BullMQ job states reported (completed jobs are removed at once, so not listed). */
export const PIPELINE_JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'failed'] as const;

/** Redis too slow or unreachable: the scrape answers without queue depths rather than hang. */
const COUNT_TIMEOUT_MS = 2000;

export interface JobCountSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export function registerPipelineJobsGauge(metrics: SluiceMetrics, queue: JobCountSource): void {
  metrics.register(
    new Gauge({
      name: 'sluice_pipeline_jobs',
      help: 'Batch jobs in the BullMQ queue invoke by state (shared by all processes: aggregate with max).',
      labelNames: ['state'],
      registers: [],
      async collect() {
        this.reset();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), COUNT_TIMEOUT_MS)));
        const counts = await Promise.race([queue.getJobCounts(...PIPELINE_JOB_STATES).catch(() => undefined), timeout]);
        clearTimeout(timer);
        if (!counts) return;
        for (const state of PIPELINE_JOB_STATES) this.set({ state }, counts[state] ?? 0);
      },
    }),
  );
}
