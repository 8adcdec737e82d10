/**
 * OnFailureDestinations (streams.md §14.2) beyond the call shapes of
 * test/unit/sources/streams/policy/on-failure-delivery.test.ts: the words of each refusal,
 * which refusals are permanent (one call, no retry), when the queue URL cache is kept, and
 * where an abort stops the tries. Fake SDK clients record every call.
 */
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../src/aws/clients.js';
import {
  DestinationDeliveryError,
  OnFailureDestinations,
  buildOnFailureRecord,
  type OnFailureRecord,
  type S3ObjectWriter,
} from '../../../src/destinations/index.js';

const record: OnFailureRecord = buildOnFailureRecord(
  {
    condition: 'RecordAgeExceeded',
    startSequenceNumber: '1',
    endSequenceNumber: '1',
    approximateArrivalOfFirstRecord: Date.parse('2025-11-25T16:59:30.250Z'),
    approximateArrivalOfLastRecord: Date.parse('2025-11-25T16:59:30.250Z'),
    batchSize: 1,
    approximateInvokeCount: 3,
    requestId: 'r-1',
    discardedAt: Date.parse('2025-11-25T17:01:42.000Z'),
  },
  {
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    shardId: 'shardId-000000000000',
    streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    batchInfoKey: 'KinesisBatchInfo',
    arrivalTimePrecision: 'milliseconds',
  },
);

interface Sent {
  service: string;
  region: string | undefined;
  name: string;
}

const sdkError = (name: string) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: 400 } });

function setup(answer: (call: Sent, n: number) => unknown, s3?: S3ObjectWriter | null) {
  const sent: Sent[] = [];
  const sleeps: number[] = [];
  const clients = {
    get: (service: string, region?: string) => ({
      // async: a throwing `answer` becomes a rejected send, as the SDK's would be.
      send: async (command: { constructor: { name: string } }) => {
        const call = { service, region, name: command.constructor.name };
        sent.push(call);
        return answer(call, sent.length);
      },
    }),
  } as unknown as Pick<AwsClients, 'get'>;
  const destinations = new OnFailureDestinations({
    clients,
    ...(s3 !== undefined ? { s3 } : {}),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { destinations, sent, sleeps };
}

const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:dlq';

describe('OnFailureDestinations refusals', () => {
  it('an unsupported ARN: no call, its code and words, no destination type', async () => {
    const { destinations, sent } = setup(() => ({}));
    expect(await destinations.deliver('arn:aws:lambda:us-east-1:123456789012:function:f', record)).toEqual({
      delivered: false,
      calls: 0,
      errorCode: 'UnsupportedDestinationType',
      errorMessage: 'Unsupported destination type for OnFailure: arn:aws:lambda:us-east-1:123456789012:function:f',
      aborted: false,
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: UnsupportedDestinationType',
    });
    expect(sent).toEqual([]);
  });

  it('a FIFO queue and a FIFO topic are refused in their own words', async () => {
    const { destinations, sent } = setup(() => ({}));
    expect(await destinations.deliver(`${QUEUE}.fifo`, record)).toMatchObject({
      delivered: false,
      destinationType: 'sqs',
      calls: 0,
      errorCode: 'FifoDestinationNotSupported',
      errorMessage: `FIFO queues are not supported as on-failure destinations: ${QUEUE}.fifo`,
    });
    expect(await destinations.deliver('arn:aws:sns:us-east-1:123456789012:t.fifo', record)).toMatchObject({
      destinationType: 'sns',
      errorMessage: 'FIFO topics are not supported as on-failure destinations: arn:aws:sns:us-east-1:123456789012:t.fifo',
    });
    expect(sent).toEqual([]);
  });

  it('S3 turned off and S3 without payload or mapping id: permanent, no call, their words', async () => {
    const off = setup(() => ({}), null);
    expect(await off.destinations.deliver('arn:aws:s3:::bucket-1', record, { mappingId: 'm', payload: () => '{}' })).toMatchObject({
      destinationType: 's3',
      calls: 0,
      errorCode: 'S3DestinationNotConfigured',
      errorMessage: 'No S3 client configured for on-failure destination arn:aws:s3:::bucket-1',
    });
    const writes: string[] = [];
    const on = setup(() => ({}), { putObject: ({ key }) => Promise.resolve(void writes.push(key)) });
    for (const context of [{ mappingId: 'm' }, { payload: () => '{}' }]) {
      expect(await on.destinations.deliver('arn:aws:s3:::bucket-1', record, context)).toMatchObject({
        calls: 0,
        errorCode: 'S3PayloadMissing',
        errorMessage: "An S3 on-failure destination needs the mapping id and the records' payload",
      });
    }
    expect(writes).toEqual([]);
  });
});

describe('OnFailureDestinations tries', () => {
  it('a permanent DestinationDeliveryError from the call is not tried again', async () => {
    let writes = 0;
    const { destinations, sleeps } = setup(() => ({}), {
      putObject: () => {
        writes++;
        return Promise.reject(new DestinationDeliveryError('S3DestinationNotConfigured', 'gone for good', true));
      },
    });
    expect(await destinations.deliver('arn:aws:s3:::bucket-1', record, { mappingId: 'm', payload: () => '{}' })).toMatchObject({
      delivered: false,
      calls: 1,
      errorCode: 'S3DestinationNotConfigured',
      errorMessage: 'gone for good',
    });
    expect([writes, sleeps]).toEqual([1, []]);
  });

  it('a temporary one is tried four times, 1, 2 and 4 s apart', async () => {
    const { destinations, sleeps } = setup(() => ({}), {
      putObject: () => Promise.reject(new DestinationDeliveryError('InvalidDestinationResponse', 'odd answer', false)),
    });
    expect(await destinations.deliver('arn:aws:s3:::bucket-1', record, { mappingId: 'm', payload: () => '{}' })).toMatchObject({ calls: 4, errorCode: 'InvalidDestinationResponse' });
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });

  it('SQS: calls go to the queue region; a failed send other than a missing queue keeps the cached URL', async () => {
    const { destinations, sent } = setup((call, n) => {
      if (call.name === 'GetQueueUrlCommand') return { QueueUrl: 'http://sqs/dlq' };
      if (n === 2) throw sdkError('ThrottlingException');
      return {};
    });
    expect(await destinations.deliver(QUEUE, record)).toMatchObject({ delivered: true, calls: 2 });
    expect(sent).toEqual([
      { service: 'sqs', region: 'eu-west-1', name: 'GetQueueUrlCommand' },
      { service: 'sqs', region: 'eu-west-1', name: 'SendMessageCommand' },
      { service: 'sqs', region: 'eu-west-1', name: 'SendMessageCommand' },
    ]);
  });

  it('SQS: GetQueueUrl without a QueueUrl is InvalidDestinationResponse, tried again', async () => {
    const { destinations, sent } = setup(() => ({}));
    expect(await destinations.deliver(QUEUE, record)).toMatchObject({
      delivered: false,
      calls: 4,
      errorCode: 'InvalidDestinationResponse',
      errorMessage: `GetQueueUrl ${QUEUE} returned no QueueUrl`,
    });
    expect(sent.map((c) => c.name)).toEqual(Array(4).fill('GetQueueUrlCommand'));
  });

  it('an abort during a call stops before the next wait; one during the wait stops before the next call', async () => {
    const beforeWait = new AbortController();
    const first = setup(() => {
      beforeWait.abort();
      throw sdkError('InternalError');
    });
    expect(await first.destinations.deliver('arn:aws:sns:us-east-1:123456789012:t', record, { signal: beforeWait.signal })).toMatchObject({ calls: 1, aborted: true });
    expect(first.sleeps).toEqual([]);

    const duringWait = new AbortController();
    const sent: string[] = [];
    const second = new OnFailureDestinations({
      clients: { get: () => ({ send: () => Promise.reject(sdkError('InternalError')).finally(() => sent.push('call')) }) } as unknown as Pick<AwsClients, 'get'>,
      sleep: () => {
        duringWait.abort();
        return Promise.reject(new Error('aborted'));
      },
    });
    expect(await second.deliver('arn:aws:sns:us-east-1:123456789012:t', record, { signal: duringWait.signal })).toMatchObject({ calls: 1, aborted: true, errorCode: 'InternalError' });
    expect(sent).toEqual(['call']);
  });
});
