/**
 * GET /metrics after known SQS traffic (metrics.md): each case has its own queue and
 * mapping, drives a known sequence of invocations through a recording target, and reads
 * the mapping's series back with their exact values.
 */
import { describe, it, vi } from 'vitest';
import { GetEventSourceMappingCommand, UpdateEventSourceMappingCommand, DeleteEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { createQueue, pollUntil, type TargetResponse } from '../support/index.js';
import { waitForState } from '../support/sluice.js';
import { useSqsTestbed } from '../support/sqs-testbed.js';
import { queueIsEmpty } from '../support/sqs-helpers.js';
import { createMapping, recordsIn, sendInOrder } from '../support/sqs-e2e.js';
import { scrapeMetrics, type Scrape } from '../support/prometheus.js';

// The failure cases wait for visibility timeouts: run them side by side.
vi.setConfig({ maxConcurrency: 10 });

const VISIBILITY_SECONDS = 2;
const STATES = ['Creating', 'Enabling', 'Enabled', 'Disabling', 'Disabled', 'Updating', 'Deleting'];

const bed = useSqsTestbed('observed');

/** The per-mapping labels of a mapping's series (metrics.md §2). */
async function labelsOf(uuid: string): Promise<Record<string, string>> {
  const { FunctionArn } = await bed.sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
  return { mapping: uuid, source_type: 'sqs', function: FunctionArn! };
}

/** Scrapes until `ready` holds (outcomes are applied after the invocation returns). */
const scrapeWhen = (ready: (scrape: Scrape) => boolean, description: string): Promise<Scrape> =>
  pollUntil(async () => {
    const scrape = await scrapeMetrics(bed.sluice.url);
    return ready(scrape) ? scrape : undefined;
  }, { description });

/** `sluice_invocations_total` of the mapping by outcome (outcomes never seen are absent). */
const outcomes = (scrape: Scrape, labels: Record<string, string>): Record<string, number> =>
  Object.fromEntries(scrape.series('sluice_invocations_total', labels).map((s) => [s.labels.outcome, s.value]));

const blue = (n: number) => JSON.stringify({ colour: 'blue', n });
const red = (n: number) => JSON.stringify({ colour: 'red', n });
const onlyBlue = { Filters: [{ Pattern: JSON.stringify({ body: { colour: ['blue'] } }) }] };

describe.concurrent('GET /metrics', () => {
  it('a filtered SQS batch: polled, filtered out, invoked, deleted, one success and its histograms', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'metrics-filter' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'observed',
      EventSourceArn: queue.queueArn,
      FilterCriteria: onlyBlue,
      MaximumBatchingWindowInSeconds: 1,
    });
    const labels = await labelsOf(uuid);
    await sendInOrder(queue.queueUrl, [blue(1), red(2), blue(3), red(4), blue(5), blue(6)]);

    const [invocation] = await bed.router.waitForInvocations(queue.queueArn, 1);
    expect(recordsIn(invocation!)).toHaveLength(4);
    await pollUntil(() => queueIsEmpty(queue.queueUrl), { description: 'queue empty' });
    const scrape = await scrapeWhen((s) => s.value('sluice_deleted_events_total', labels) === 4, 'four deletions counted');

    expect(scrape.value('sluice_polled_events_total', labels)).toBe(6);
    expect(scrape.value('sluice_filtered_out_events_total', labels)).toBe(2);
    expect(scrape.value('sluice_invoked_events_total', labels)).toBe(4);
    expect(scrape.value('sluice_failed_invoke_events_total', labels)).toBe(0);
    expect(outcomes(scrape, labels)).toEqual({ success: 1 });
    expect(scrape.value('sluice_batch_records_count', labels)).toBe(1);
    expect(scrape.value('sluice_batch_records_sum', labels)).toBe(4);
    expect(scrape.value('sluice_batch_records_bucket', { ...labels, le: '2' })).toBe(0);
    expect(scrape.value('sluice_batch_records_bucket', { ...labels, le: '5' })).toBe(1);
    // The payload histogram measures exactly what the target received.
    expect(scrape.value('sluice_batch_payload_bytes_sum', labels)).toBe(Buffer.byteLength(invocation!.rawBody));
    expect(scrape.value('sluice_invocation_duration_seconds_count', labels)).toBe(1);
    const duration = scrape.value('sluice_invocation_duration_seconds_sum', labels);
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(1);
    expect(scrape.value('sluice_concurrent_invocations', labels)).toBe(0);
    expect(scrape.series('sluice_sqs_delete_failures_total', labels)).toEqual([]);
    expect(scrape.series('sluice_source_errors_total', labels)).toEqual([]);
    expect(Object.fromEntries(scrape.series('sluice_mapping_state', labels).map((s) => [s.labels.state, s.value]))).toEqual(
      Object.fromEntries(STATES.map((state) => [state, state === 'Enabled' ? 1 : 0])),
    );
  });

  it('a failing batch: throttled, then a function error, then a success; every attempt and every redelivery counted', async ({
    expect,
    onTestFinished,
  }) => {
    const queue = await createQueue({ prefix: 'metrics-failing', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    onTestFinished(queue.cleanup);
    const answers: TargetResponse[] = [{ status: 429 }, { status: 500, json: { errorMessage: 'boom' } }, {}];
    bed.router.on(queue.queueArn, (_request, index) => answers[Math.min(index, answers.length - 1)]!);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'observed', EventSourceArn: queue.queueArn, MaximumBatchingWindowInSeconds: 1 });
    const labels = await labelsOf(uuid);
    await sendInOrder(queue.queueUrl, ['a', 'b', 'c']);

    const invocations = await bed.router.waitForInvocations(queue.queueArn, 3, 20_000);
    expect(invocations.map((r) => recordsIn(r).length)).toEqual([3, 3, 3]);
    const scrape = await scrapeWhen((s) => s.value('sluice_deleted_events_total', labels) === 3, 'three deletions counted');

    // Each message was received three times (the 429 and the function error left it to its visibility timeout).
    expect(scrape.value('sluice_polled_events_total', labels)).toBe(9);
    expect(scrape.value('sluice_invoked_events_total', labels)).toBe(9);
    expect(scrape.value('sluice_failed_invoke_events_total', labels)).toBe(6);
    expect(outcomes(scrape, labels)).toEqual({ throttled: 1, function_error: 1, success: 1 });
    // Duration only for the attempts that reached the function.
    expect(scrape.value('sluice_invocation_duration_seconds_count', labels)).toBe(2);
    expect(scrape.value('sluice_batch_records_count', labels)).toBe(3);
    expect(scrape.value('sluice_batch_records_sum', labels)).toBe(9);
    expect(scrape.value('sluice_filtered_out_events_total', labels)).toBe(0);
  });

  it('ReportBatchItemFailures: a partial failure, then a malformed response, then a success', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'metrics-rbif', visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    onTestFinished(queue.cleanup);
    bed.router.on(queue.queueArn, (request, index) => {
      if (index === 0) return { json: { batchItemFailures: [{ itemIdentifier: recordsIn(request)[0]!.messageId }] } };
      if (index === 1) return { json: { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } };
      return { json: { batchItemFailures: [] } };
    });
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'observed',
      EventSourceArn: queue.queueArn,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumBatchingWindowInSeconds: 1,
    });
    const labels = await labelsOf(uuid);
    await sendInOrder(queue.queueUrl, ['a', 'b', 'c']);

    const invocations = await bed.router.waitForInvocations(queue.queueArn, 3, 20_000);
    expect(invocations.map((r) => recordsIn(r).length)).toEqual([3, 1, 1]);
    const scrape = await scrapeWhen((s) => s.value('sluice_deleted_events_total', labels) === 3, 'three deletions counted');

    expect(scrape.value('sluice_polled_events_total', labels)).toBe(5);
    expect(scrape.value('sluice_invoked_events_total', labels)).toBe(5);
    // Every record of the partial failure counts as failed, as on AWS.
    expect(scrape.value('sluice_failed_invoke_events_total', labels)).toBe(4);
    expect(outcomes(scrape, labels)).toEqual({ partial_failure: 1, failure_response: 1, success: 1 });
    expect(scrape.value('sluice_invocation_duration_seconds_count', labels)).toBe(3);
  });

  it('a disabled mapping records nothing; a deleted mapping loses every series', async ({ expect, onTestFinished }) => {
    const queue = await createQueue({ prefix: 'metrics-lifecycle' });
    onTestFinished(queue.cleanup);
    const uuid = await createMapping(bed.sluice.lambda, { FunctionName: 'observed', EventSourceArn: queue.queueArn });
    const labels = await labelsOf(uuid);
    await sendInOrder(queue.queueUrl, ['a']);
    await scrapeWhen((s) => s.value('sluice_deleted_events_total', labels) === 1, 'one deletion counted');

    await bed.sluice.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    await waitForState(bed.sluice.lambda, uuid, 'Disabled');
    await sendInOrder(queue.queueUrl, ['b']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const disabled = await scrapeWhen((s) => s.value('sluice_mapping_state', { ...labels, state: 'Disabled' }) === 1, 'state Disabled');
    expect(disabled.value('sluice_mapping_state', { ...labels, state: 'Enabled' })).toBe(0);
    expect(disabled.value('sluice_polled_events_total', labels)).toBe(1);
    expect(disabled.value('sluice_invoked_events_total', labels)).toBe(1);

    await bed.sluice.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    const gone = await scrapeWhen((s) => !s.text.includes(uuid), 'no series of the deleted mapping');
    expect(gone.series('sluice_mapping_state', { mapping: uuid })).toEqual([]);
  });
});
