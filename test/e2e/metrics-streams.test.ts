/**
 * GET /metrics after known stream traffic (metrics.md §3, §5, §6): a Kinesis mapping with a
 * filter and a poison record discarded to an SQS destination, then the exact counts read
 * back; a tumbling window's stateless response counted as `failure_response`.
 */
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { describe, it } from 'vitest';
import { createQueue, createStream, pollUntil } from '../support/index.js';
import { createMapping } from '../support/sqs-e2e.js';
import { scrapeMetrics, type Scrape } from '../support/prometheus.js';
import { dataOf, putKinesis, useStreamTestbed, streamRecordsIn } from '../support/streams-e2e.js';

const bed = useStreamTestbed('fn');

const scrapeWhen = (ready: (scrape: Scrape) => boolean, description: string): Promise<Scrape> =>
  pollUntil(async () => {
    const scrape = await scrapeMetrics(bed.sluice.url);
    return ready(scrape) ? scrape : undefined;
  }, { description, timeoutMs: 20_000 });

async function labelsOf(uuid: string): Promise<Record<string, string>> {
  const { FunctionArn } = await bed.sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
  return { mapping: uuid, source_type: 'kinesis', function: FunctionArn! };
}

describe.concurrent('GET /metrics for streams', () => {
  it('Kinesis: polled, filtered out, invoked, failed, delivered to the destination, iterator age, leases', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    const destination = await createQueue();
    onTestFinished(destination.cleanup);
    // The batch holding "poison" fails every time: 2 invocations (MaximumRetryAttempts 1), then the destination.
    bed.router.on(stream.streamArn, (request) =>
      streamRecordsIn(request).some((r) => dataOf(r).includes('poison')) ? { status: 500, json: { errorMessage: 'poison' } } : {},
    );
    const data = ['{"keep":1}', '{"keep":0}', '{"keep":1,"poison":true}', '{"keep":0}', '{"keep":1}'];
    // One record per put, each batch closes on its own: BatchSize 1.
    for (const d of data) await putKinesis(stream.streamName, [{ key: 'k', data: d }]);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1,
      MaximumRetryAttempts: 1,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { keep: [1] } }) }] },
      DestinationConfig: { OnFailure: { Destination: destination.queueArn } },
    });
    const labels = await labelsOf(uuid);
    const scrape = await scrapeWhen((s) => s.value('sluice_on_failure_destination_delivered_events_total', labels) === 1 && s.value('sluice_invoked_events_total', labels) === 4, 'the poison record delivered to the destination');
    expect(scrape.value('sluice_polled_events_total', labels)).toBe(5);
    expect(scrape.value('sluice_filtered_out_events_total', labels)).toBe(2);
    // Two good records once each, the poison record twice.
    expect(scrape.value('sluice_invoked_events_total', labels)).toBe(4);
    expect(scrape.value('sluice_failed_invoke_events_total', labels)).toBe(2);
    expect(scrape.value('sluice_invocations_total', { ...labels, outcome: 'success' })).toBe(2);
    expect(scrape.value('sluice_invocations_total', { ...labels, outcome: 'function_error' })).toBe(2);
    expect(scrape.value('sluice_dropped_events_total', labels)).toBe(0);
    const age = scrape.value('sluice_iterator_age_milliseconds', { ...labels, shard: stream.shardIds[0]! });
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(60_000);
    expect(scrape.value('sluice_shard_leases', { mapping: uuid })).toBe(1);
    expect(scrape.value('sluice_shard_lease_changes_total', { mapping: uuid, change: 'acquired' })).toBe(1);
    await pollUntil(async () => (await scrapeMetrics(bed.sluice.url)).value('sluice_shard_checkpoint_lag_records', { ...labels, shard: stream.shardIds[0]! }) === 0 || undefined, {
      description: 'checkpoint lag back to 0',
    });
  });

  it('a tumbling window response without a state is a failure_response', async ({ expect, onTestFinished }) => {
    const stream = await createStream({ shardCount: 1 });
    onTestFinished(stream.cleanup);
    let answered = 0;
    bed.router.on(stream.streamArn, () => (answered++ === 0 ? { json: { notState: true } } : { json: { state: {} } }));
    await putKinesis(stream.streamName, [{ key: 'k', data: 'x' }]);
    const uuid = await createMapping(bed.sluice.lambda, {
      FunctionName: 'fn',
      EventSourceArn: stream.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      TumblingWindowInSeconds: 60,
    });
    const labels = await labelsOf(uuid);
    const scrape = await scrapeWhen((s) => s.value('sluice_invocations_total', { ...labels, outcome: 'success' }) >= 1, 'the retry succeeded');
    expect(scrape.value('sluice_invocations_total', { ...labels, outcome: 'failure_response' })).toBe(1);
  });
});
