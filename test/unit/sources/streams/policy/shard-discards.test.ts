/**
 * Records a shard gave up on (streams.md §14, src/sources/streams/policy/shard-discards.ts):
 * dropped with a warning when the mapping has no destination, delivered with the
 * discarded records as the S3 payload, or dropped after a failed delivery with an error
 * line and LastProcessingResult; the metrics count each case.
 */
import { describe, expect, it } from 'vitest';
import type { DeliverContext, DeliveryOutcome, OnFailureDestinations, OnFailureRecord } from '../../../../../src/destinations/index.js';
import { RateLimitedWarnings } from '../../../../../src/observability/rate-limited-warnings.js';
import type { DiscardGroup } from '../../../../../src/sources/streams/policy/index.js';
import { sendDiscard, type ShardDiscardsContext } from '../../../../../src/sources/streams/policy/shard-discards.js';
import type { ShardMetrics } from '../../../../../src/sources/streams/shard/shard-metrics.js';
import type { StreamRecord, StreamSource } from '../../../../../src/sources/streams/stream-source.js';
import { captureLogs } from '../../../log-capture.js';

const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/s';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:dlq';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:f';

const records: StreamRecord[] = ['0', '1', '2', '3'].map((n) => ({
  sequenceNumber: `10${n}`,
  partitionKey: 'k',
  arrivalTime: Date.parse('2025-11-25T16:59:30.000Z') + Number(n),
  event: { kinesis: { sequenceNumber: `10${n}` } },
  sizeBytes: 10,
}));

const discard: DiscardGroup = {
  condition: 'RetryAttemptsExhausted',
  startSequenceNumber: '101',
  endSequenceNumber: '102',
  approximateArrivalOfFirstRecord: records[1]!.arrivalTime,
  approximateArrivalOfLastRecord: records[2]!.arrivalTime,
  batchSize: 2,
  approximateInvokeCount: 3,
  requestId: 'r-1',
  discardedAt: Date.parse('2025-11-25T17:01:42.000Z'),
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  firstIndex: 1,
  lastIndex: 2,
};

/** The counters sendDiscard moves; any other metric is not its business. */
function countingMetrics() {
  const counts = { dropped: 0, delivered: 0, deliveryFailures: 0 };
  const metrics = {
    dropped: (n: number) => void (counts.dropped += n),
    destinationDelivered: (n: number) => void (counts.delivered += n),
    destinationDeliveryFailure: () => void (counts.deliveryFailures += 1),
  } as unknown as ShardMetrics;
  return { counts, metrics };
}

function setup(delivery?: DeliveryOutcome, withDestination = true) {
  const { logger, lines } = captureLogs();
  const { counts, metrics } = countingMetrics();
  const deliveries: { arn: string; record: OnFailureRecord; context: DeliverContext }[] = [];
  const reports: { invocation?: string }[] = [];
  const destinations = {
    deliver: (arn: string, record: OnFailureRecord, context: DeliverContext) => {
      deliveries.push({ arn, record, context });
      return Promise.resolve(delivery!);
    },
  } as unknown as OnFailureDestinations;
  const context: ShardDiscardsContext = {
    mappingId: 'm-1',
    functionArn: FUNCTION,
    shardId: 'shardId-000000000001',
    ...(withDestination ? { destination: DLQ, destinations } : {}),
    source: { streamArn: STREAM, traits: { batchInfoKey: 'KinesisBatchInfo', arrivalTimePrecision: 'milliseconds' } } as unknown as StreamSource,
    metrics,
    logger,
    warnings: { warnings: new RateLimitedWarnings(logger), logger, mappingId: 'm-1', functionArn: FUNCTION },
    report: (result) => {
      reports.push(result);
      return Promise.resolve();
    },
  };
  return { context, lines, counts, deliveries, reports };
}

describe('sendDiscard', () => {
  it('without a destination: the records are dropped with a warning carrying the on-failure record', async () => {
    const { context, lines, counts, reports } = setup(undefined, false);
    await sendDiscard(context, discard, records);
    expect(counts).toEqual({ dropped: 2, delivered: 0, deliveryFailures: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'records discarded without an on-failure destination' });
    expect(lines[0]!.onFailure).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', functionArn: FUNCTION, approximateInvokeCount: 3 },
      KinesisBatchInfo: { shardId: 'shardId-000000000001', startSequenceNumber: '101', endSequenceNumber: '102', batchSize: 2, streamArn: STREAM },
    });
    expect(reports).toEqual([]);
  });

  it('delivered: sent to the destination with the mapping id and the discarded records as payload, counted', async () => {
    const { context, lines, counts, deliveries, reports } = setup({ delivered: true, destinationType: 'sqs', calls: 1 });
    await sendDiscard(context, discard, records);
    expect(counts).toEqual({ dropped: 0, delivered: 2, deliveryFailures: 0 });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.arn).toBe(DLQ);
    expect(deliveries[0]!.context.mappingId).toBe('m-1');
    expect(deliveries[0]!.context.payload!()).toBe('{"Records":[{"kinesis":{"sequenceNumber":"101"}},{"kinesis":{"sequenceNumber":"102"}}]}');
    expect(deliveries[0]!.record).toMatchObject({ KinesisBatchInfo: { startSequenceNumber: '101' } });
    expect([lines, reports]).toEqual([[], []]);
  });

  it('a failed delivery drops the records, logs at error why, and reports LastProcessingResult', async () => {
    const { context, lines, counts, reports } = setup({
      delivered: false,
      destinationType: 'sqs',
      calls: 4,
      errorCode: 'QueueDoesNotExist',
      errorMessage: 'The specified queue does not exist.',
      aborted: false,
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: QueueDoesNotExist',
    });
    await sendDiscard(context, discard, records);
    expect(counts).toEqual({ dropped: 2, delivered: 0, deliveryFailures: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      operation: `on-failure delivery to ${DLQ}`,
      cause: 'QueueDoesNotExist',
      functionArn: FUNCTION,
      msg: `on-failure delivery to ${DLQ} failed for mapping m-1: QueueDoesNotExist: The specified queue does not exist.; the records are dropped`,
    });
    expect(lines[0]!.onFailure).toMatchObject({ requestContext: { condition: 'RetryAttemptsExhausted' } });
    expect(reports).toEqual([{ invocation: 'PROBLEM: Error sending to on-failure destination: QueueDoesNotExist' }]);
  });

  it('a report that fails does not fail the discard', async () => {
    const { context, counts } = setup({
      delivered: false,
      calls: 0,
      errorCode: 'FifoDestinationNotSupported',
      errorMessage: 'FIFO queues are not supported',
      aborted: false,
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: FifoDestinationNotSupported',
    });
    context.report = () => Promise.reject(new Error('Redis down'));
    await expect(sendDiscard(context, discard, records)).resolves.toBeUndefined();
    expect(counts.dropped).toBe(2);
  });
});
