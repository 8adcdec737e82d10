/**
 * Does a load test's report tell the truth (issue #14 "Tests")? Each case checks the report
 * against something the report is not computed from:
 * - the user's own function (an http target recording what it got): the report's invoked
 *   count and ids are what the function saw;
 * - `fail:0.1` on Kinesis without retries: the failed records are exactly what reached the
 *   on-failure destination;
 * - a record dropped on purpose (a filter on the mapping discards it): reported missing, by id.
 * runLoadtest against a test Sluice, the emulators and the real SluiceClient.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/index.js';
import { startRecordingTarget, type RecordingTarget } from '../support/recording-target.js';
import { testPlan } from '../support/loadtest-plan.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createSluiceClient } from '../../src/loadtest/sluice-client.js';
import { runLoadtest } from '../../src/loadtest/run-loadtest.js';
import { summarize } from '../../src/loadtest/report/index.js';
import type { LoadtestPlan, SluiceClient } from '../../src/loadtest/plan.js';

let target: RecordingTarget;
let sluice: TestSluice;
let client: SluiceClient;

beforeAll(async () => {
  target = await startRecordingTarget();
  // Only the user's function is configured: `builtin-fail-0_1` below is found by its reserved name.
  sluice = await startTestSluice({ functions: { 'orders-consumer': { http: target.url, timeout: 5 } }, streams: { leaseMs: 3000 } });
  client = createSluiceClient({ region: TEST_REGION, lambda: sluice.url, credentials: TEST_CREDENTIALS });
});

afterAll(async () => {
  await sluice?.stop();
  await target?.close();
});

function plan(overrides: Partial<LoadtestPlan>): LoadtestPlan {
  return testPlan(sluice.url, { functionName: 'orders-consumer', load: { kind: 'count', count: 120, rate: 60 }, payload: { kind: 'template', template: '{"seq":{{seq}},"id":"{{uuid}}"}' }, ...overrides });
}

describe('a load test report against what really happened (e2e)', () => {
  it("the user's own function: the report's invoked records are the ones the function received", { timeout: 90_000 }, async () => {
    const before = target.requests.length;
    const run = await runLoadtest(plan({}), { client });
    const report = summarize(run);
    const received = target.requests.slice(before).flatMap((r) => ((r.body as { Records?: Array<{ messageId: string }> }).Records ?? []).map((m) => m.messageId));
    expect(report.summary).toMatchObject({ sent: 120, invoked: 120, missing: 0, duplicates: 0, unknown_ids: 0 });
    expect(new Set(received)).toEqual(new Set(run.sent.map((s) => s.id)));
    expect(report.summary.invocations).toBe(target.requests.length - before);
  });

  it('fail:0.1 on Kinesis, no retries: failures are reported and equal what the on-failure destination got', { timeout: 120_000 }, async () => {
    // 80 invocations of 5 records: the chance that none fails at 10 % is 0.9^80 ≈ 0.02 %.
    const run = await runLoadtest(
      plan({
        source: 'kinesis',
        resource: { kind: 'create', shards: 2 },
        functionName: 'builtin-fail-0_1',
        mapping: { BatchSize: 5, MaximumRetryAttempts: 0 },
        onFailure: true,
        load: { kind: 'count', count: 400, rate: 200 },
        // Failed records never count as processed, so the grace period runs out in full: keep it short.
        graceMs: 12_000,
      }),
      { client },
    );
    const { summary } = summarize(run);
    expect(summary).toMatchObject({ sent: 400, invoked: 400, missing: 0, unknown_ids: 0 });
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.failed_records).toBeGreaterThan(0);
    expect(summary.failed_records).toBeLessThan(400);
    // Without retries every record of a failed batch goes to the destination, and no other.
    expect(summary.destination_count).toBe(summary.failed_records);
    expect(summary.processed + summary.failed_records).toBe(400);
  });

  it('a record dropped on purpose (filtered out by the mapping) is reported missing, by its id', { timeout: 90_000 }, async () => {
    const run = await runLoadtest(
      plan({
        functionName: 'builtin-noop',
        mapping: { BatchSize: 10, FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { seq: [{ 'anything-but': [7] }] } }) }] } },
        load: { kind: 'count', count: 30, rate: 30 },
        graceMs: 5_000,
      }),
      { client },
    );
    const { summary } = summarize(run);
    expect(summary).toMatchObject({ sent: 30, invoked: 29, missing: 1 });
    expect(summary.missing_ids).toHaveLength(1);
    expect(run.sent.map((s) => s.id)).toContain(summary.missing_ids[0]);
  });
});
