/**
 * `/ui` keeps the last `api.ui.keepJobs` ended batch jobs (pipeline/job-retention.ts): with
 * every batch sent through the queue (`pipeline.runLocally: false`) and keepJobs 2, five
 * one-message batches leave exactly two completed jobs, their events replaced by a
 * summary; a job whose result exceeds 64 KB is not kept. Read through bull-board's own API,
 * as the page reads it.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, startRecordingTarget } from '../support/index.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { startTestSluice } from '../support/sluice.js';

interface BoardJob {
  id: string;
  data: { payload: string; recordCount: number; mappingId: string };
  returnValue: unknown;
}

async function completedJobs(url: string): Promise<{ count: number; jobs: BoardJob[] }> {
  const response = await fetch(`${url}/ui/api/queues?activeQueue=invoke&status=completed&page=1&jobsPerPage=50`);
  const { queues } = (await response.json()) as { queues: { name: string; counts: { completed: number }; jobs: BoardJob[] }[] };
  const queue = queues.find((q) => q.name === 'invoke')!;
  return { count: queue.counts.completed, jobs: queue.jobs };
}

describe('/ui job retention', () => {
  it('keeps the last keepJobs completed jobs, without their events; drops a job with a large result', async () => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const sluice = await startTestSluice({
      functions: { fn: { http: target.url, timeout: 3 } },
      pipeline: { runLocally: false },
      api: { host: '127.0.0.1', port: 0, ui: { keepJobs: 2 } },
    });
    onTestFinished(() => sluice.stop());
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const { UUID } = await sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.queueArn, BatchSize: 1 }));

    for (let i = 0; i < 5; i++) {
      await sendMessages(queue.queueUrl, [`message ${i}`]);
      await target.waitForRequests(i + 1, 15_000);
    }
    const kept = await pollUntil(
      async () => {
        const board = await completedJobs(sluice.url);
        return board.count === 2 && board.jobs.every((job) => job.data.payload.startsWith('(event of')) ? board : undefined;
      },
      { description: 'two completed jobs kept, slimmed', timeoutMs: 10_000 },
    );
    for (const job of kept.jobs) {
      expect(job.data.mappingId).toBe(UUID);
      expect(job.data.payload).toMatch(/^\(event of 1 record, \d+ bytes: not kept once the job ended, see api\.ui\.keepJobs\)$/);
    }
    const keptIds = kept.jobs.map((job) => job.id).sort();

    // A response over 64 KB: its job is removed once it ended (BullMQ counted it among the two
    // when it completed, so the oldest kept one went then; the newer one stays).
    target.respondWith({ json: { big: 'x'.repeat(70 * 1024) } });
    await sendMessages(queue.queueUrl, ['large answer']);
    await target.waitForRequests(6, 15_000);
    const after = await pollUntil(async () => {
      const board = await completedJobs(sluice.url);
      return board.jobs.length === 1 ? board : undefined;
    }, { description: 'the large-result job removed', timeoutMs: 10_000 });
    expect(keptIds).toContain(after.jobs[0]!.id);
  }, 60_000);
});
