/**
 * runLoadtest end to end, SQS: a test Sluice (in process) with builtin functions, the real
 * SluiceClient (SigV4-signed trace and metrics), fauxqs and Redis. The run creates its
 * queue (and DLQ), its mapping with the trace on, sends, matches the trace, counts the DLQ
 * and removes everything it created, also when aborted half-way.
 */
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEndpoints, TEST_CREDENTIALS, TEST_REGION, createHttp1Handler } from '../support/index.js';
import { testPlan } from '../support/loadtest-plan.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createSluiceClient } from '../../src/loadtest/sluice-client.js';
import { runLoadtest } from '../../src/loadtest/run-loadtest.js';
import { summarize } from '../../src/loadtest/report/index.js';
import type { LoadtestPlan, ProgressSnapshot, SluiceClient } from '../../src/loadtest/plan.js';

let sluice: TestSluice;
let client: SluiceClient;
let sqs: SQSClient;

beforeAll(async () => {
  sluice = await startTestSluice({ functions: { noop: { builtin: 'noop' }, broken: { builtin: 'fail:1', timeout: 1 } } });
  client = createSluiceClient({ region: TEST_REGION, lambda: sluice.url, credentials: TEST_CREDENTIALS });
  const e = getEndpoints();
  sqs = new SQSClient({ endpoint: e.sqs, region: e.region, credentials: { ...e.credentials }, requestHandler: createHttp1Handler() });
});

afterAll(async () => {
  sqs?.destroy();
  await sluice?.stop();
});

function plan(overrides: Partial<LoadtestPlan>): LoadtestPlan {
  return testPlan(sluice.url, { ...overrides });
}

async function leftovers(runId: string): Promise<string[]> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `sluice-loadtest-${runId}` }));
  return QueueUrls;
}

async function mappingGone(uuid: string): Promise<boolean> {
  try {
    await sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    return false;
  } catch (error) {
    return (error as Error).name === 'ResourceNotFoundException';
  }
}

describe('runLoadtest (SQS, e2e)', () => {
  it('noop: every record sent is matched in the trace, progress goes sending → draining, the grace period ends early, everything is removed', { timeout: 60_000 }, async () => {
    const snapshots: ProgressSnapshot[] = [];
    const warnings: string[] = [];
    const run = await runLoadtest(plan({}), { client, onProgress: (s) => snapshots.push(s), onWarning: (w) => warnings.push(w) });

    expect(run.sent).toHaveLength(100);
    expect(run.producerStats).toMatchObject({ failed: 0, aborted: false });
    const invokedIds = new Set(run.invocations.flatMap((i) => i.ids));
    expect(run.sent.filter((s) => !invokedIds.has(s.id))).toEqual([]);
    expect(run.invocations.every((i) => i.outcome === 'success')).toBe(true);

    const report = summarize(run);
    expect(report.summary).toMatchObject({ sent: 100, invoked: 100, missing: 0, failed: 0, unknown_ids: 0 });
    expect(report.summary.latency_ms.p50).not.toBeNull();

    // The early end: the run returned (mapping and queue removed included) before the 20 s grace period was out.
    expect(Date.now()).toBeLessThan(run.endedAt + run.graceMs);
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots[0]?.stage).toBe('sending');
    expect(snapshots.at(-1)).toMatchObject({ stage: 'draining', sent: 100, invoked: 100, planned: 100, behind: false });
    expect(run.producer.at(-1)?.sent).toBe(100);
    expect(run.backlog.length).toBeGreaterThan(0);
    expect(run.backlog.every((b) => b.unit === 'messages')).toBe(true);
    expect(run.settings).toMatchObject({ source: 'sqs', functionName: 'noop', count: 100, rate: 50, payloadBytes: 256, resource: expect.stringContaining(`sluice-loadtest-${run.runId}`) });

    expect(await leftovers(run.runId)).toEqual([]);
    expect(await mappingGone(run.mappingUuid)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('sqs-fifo: a created FIFO queue, records spread over message groups, every record matched', { timeout: 60_000 }, async () => {
    const run = await runLoadtest(plan({ source: 'sqs-fifo', load: { kind: 'count', count: 50, rate: 50 } }), { client });
    expect(run.settings.resource).toMatch(/\.fifo$/);
    expect(summarize(run).summary).toMatchObject({ sent: 50, invoked: 50, missing: 0, duplicates: 0 });
    expect(await leftovers(run.runId)).toEqual([]);
  });

  it('fail:1 with onFailure: every invocation fails, every record reaches the DLQ and is counted', { timeout: 90_000 }, async () => {
    const run = await runLoadtest(plan({ functionName: 'broken', onFailure: true, load: { kind: 'count', count: 10, rate: 20 }, graceMs: 40_000 }), { client });
    expect(run.sent).toHaveLength(10);
    expect(run.invocations.length).toBeGreaterThan(0);
    expect(run.invocations.every((i) => i.outcome === 'function_error')).toBe(true);
    expect(run.destinationCount).toBe(10);
    const report = summarize(run);
    expect(report.summary).toMatchObject({ sent: 10, invoked: 10, missing: 0, failed_records: 10, destination_count: 10 });
    expect(await leftovers(run.runId)).toEqual([]);
    expect(await mappingGone(run.mappingUuid)).toBe(true);
  });

  it('aborted while sending: stops, returns what it sent, removes the queue and the mapping', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const run = await runLoadtest(plan({ load: { kind: 'count', count: 10_000, rate: 100 } }), {
      client,
      signal: controller.signal,
      onProgress: (s) => {
        if (s.sent >= 100) controller.abort();
      },
    });
    expect(run.producerStats.aborted).toBe(true);
    expect(run.sent.length).toBeGreaterThanOrEqual(100);
    expect(run.sent.length).toBeLessThan(10_000);
    expect(await leftovers(run.runId)).toEqual([]);
    expect(await mappingGone(run.mappingUuid)).toBe(true);
  });

  it('aborted while draining: stops waiting at once, keeps the invocations traced so far, removes everything', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    // fail:1 never settles, so without the abort the run would wait out the whole minute.
    const run = await runLoadtest(plan({ functionName: 'broken', load: { kind: 'count', count: 20, rate: 40 }, graceMs: 60_000 }), {
      client,
      signal: controller.signal,
      onProgress: (s) => {
        if (s.stage === 'draining' && s.invoked > 0) controller.abort();
      },
    });
    expect(Date.now()).toBeLessThan(run.endedAt + run.graceMs);
    expect(run.producerStats.aborted).toBe(false);
    expect(run.sent).toHaveLength(20);
    expect(run.invocations.length).toBeGreaterThan(0);
    expect(await leftovers(run.runId)).toEqual([]);
    expect(await mappingGone(run.mappingUuid)).toBe(true);
  });
});
