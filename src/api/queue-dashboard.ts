/**
 * `GET /ui`: the BullMQ dashboard (@bull-board) over the queue `invoke`, mounted on the API
 * server in its own fastify scope (it needs JSON bodies, the Lambda routes read text).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const DASHBOARD_PATH = '/ui';

export function registerQueueDashboard(app: FastifyInstance, queue: Queue): void {
  const serverAdapter = new FastifyAdapter().setBasePath(DASHBOARD_PATH);
  createBullBoard({
    // Read-only (chosen): a batch job's outcome is applied by the poller that submitted it;
    // retrying, promoting or removing jobs by hand would invoke without anyone deleting or
    // checkpointing, or leave that poller waiting.
    queues: [
      new BullMQAdapter(queue, {
        readOnlyMode: true,
        displayName: 'invoke (batch jobs)',
        // What the page shows, said on the page (pipeline/job-retention.ts).
        description:
          'Batch jobs that went through the queue: a batch runs in the process that read it while that process has a free job slot (pipeline.runLocally), so only the overflow is here. ' +
          'The last api.ui.keepJobs completed and failed jobs are kept, their events replaced by a summary. Every invocation is counted on the dashboard at / and in /metrics.',
      }),
    ],
    serverAdapter,
  });
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, scope.getDefaultJsonParser('ignore', 'ignore'));
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
