/**
 * Delivery of on-failure records with fake SDK clients (streams.md §14.2): which calls are
 * made, how failures are tried again, what is refused without a call, and the error code
 * for LastProcessingResult (api.md §6.2). The real SQS / SNS round trips are in
 * test/integration/destinations/.
 */
import { describe, expect, it } from 'vitest';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../../../../../src/aws/clients.js';
import {
  OnFailureDestinations,
  buildOnFailureRecord,
  deliveryErrorCode,
  destinationProblem,
  type OnFailureRecord,
  type S3ObjectWriter,
} from '../../../../../src/destinations/index.js';

const record: OnFailureRecord = buildOnFailureRecord(
  {
    condition: 'RecordAgeExceeded',
    startSequenceNumber: '1',
    endSequenceNumber: '2',
    approximateArrivalOfFirstRecord: Date.parse('2025-11-25T16:59:30.250Z'),
    approximateArrivalOfLastRecord: Date.parse('2025-11-25T16:59:30.500Z'),
    batchSize: 2,
    approximateInvokeCount: 1,
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

interface SentCommand {
  service: string;
  region: string | undefined;
  name: string;
  input: Record<string, unknown>;
}

function sdkError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

/** Fake clients: `answer` decides each call's result (throw to fail). */
function fakeClients(answer: (command: SentCommand, call: number) => unknown) {
  const sent: SentCommand[] = [];
  const clients = {
    get: (service: string, region?: string) => ({
      send: async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
        const entry = { service, region, name: command.constructor.name, input: command.input };
        sent.push(entry);
        return answer(entry, sent.length);
      },
    }),
  } as unknown as Pick<AwsClients, 'get'>;
  return { clients, sent };
}

function destinations(clients: Pick<AwsClients, 'get'>, s3?: S3ObjectWriter) {
  const sleeps: number[] = [];
  const d = new OnFailureDestinations({
    clients,
    ...(s3 ? { s3 } : {}),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { d, sleeps };
}

describe('OnFailureDestinations.deliver', () => {
  it('SQS: GetQueueUrl from the ARN (once), then SendMessage with the record JSON and no attributes', async () => {
    const { clients, sent } = fakeClients((c) => (c.name === 'GetQueueUrlCommand' ? { QueueUrl: 'http://q/123456789012/failures' } : { MessageId: 'm' }));
    const { d } = destinations(clients);
    const arn = 'arn:aws:sqs:eu-west-1:123456789012:failures';
    expect(await d.deliver(arn, record)).toEqual({ delivered: true, destinationType: 'sqs', calls: 1 });
    expect(await d.deliver(arn, record)).toMatchObject({ delivered: true });
    expect(sent.map((c) => c.name)).toEqual([GetQueueUrlCommand.name, SendMessageCommand.name, SendMessageCommand.name]);
    expect(sent[0]).toMatchObject({ service: 'sqs', region: 'eu-west-1', input: { QueueName: 'failures', QueueOwnerAWSAccountId: '123456789012' } });
    expect(sent[1]!.input).toEqual({ QueueUrl: 'http://q/123456789012/failures', MessageBody: JSON.stringify(record) });
  });

  it('SNS: Publish with the record JSON as Message, no subject, no attributes', async () => {
    const { clients, sent } = fakeClients(() => ({ MessageId: 'm' }));
    const { d } = destinations(clients);
    const arn = 'arn:aws:sns:us-east-2:123456789012:esm-failures';
    expect(await d.deliver(arn, record)).toEqual({ delivered: true, destinationType: 'sns', calls: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ service: 'sns', region: 'us-east-2', name: PublishCommand.name });
    expect(sent[0]!.input).toEqual({ TopicArn: arn, Message: JSON.stringify(record) });
  });

  it('a failing destination is tried 4 times, 1 s, 2 s and 4 s apart; the last error code is reported', async () => {
    const { clients, sent } = fakeClients(() => {
      throw sdkError('AuthorizationError', 403);
    });
    const { d, sleeps } = destinations(clients);
    const outcome = await d.deliver('arn:aws:sns:us-east-1:123456789012:t', record);
    expect(outcome).toEqual({
      delivered: false,
      destinationType: 'sns',
      calls: 4,
      errorCode: 'AuthorizationError',
      errorMessage: 'AuthorizationError happened',
      aborted: false,
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: AuthorizationError',
    });
    expect(sent).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });

  it('succeeds on a later try', async () => {
    const { clients } = fakeClients((_, call) => {
      if (call < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return {};
    });
    const { d, sleeps } = destinations(clients);
    expect(await d.deliver('arn:aws:sns:us-east-1:123456789012:t', record)).toEqual({ delivered: true, destinationType: 'sns', calls: 3 });
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('forgets a queue URL after QueueDoesNotExist (the queue may have been recreated)', async () => {
    let sends = 0;
    const { clients, sent } = fakeClients((c) => {
      if (c.name === 'GetQueueUrlCommand') return { QueueUrl: 'http://q/failures' };
      if (++sends === 2) throw sdkError('QueueDoesNotExist');
      return {};
    });
    const { d } = destinations(clients);
    const arn = 'arn:aws:sqs:us-east-1:123456789012:failures';
    await d.deliver(arn, record);
    expect(await d.deliver(arn, record)).toMatchObject({ delivered: true, calls: 2 });
    expect(sent.filter((c) => c.name === 'GetQueueUrlCommand')).toHaveLength(2);
  });

  it.each([
    ['arn:aws:sqs:us-east-1:123456789012:failures.fifo', 'sqs'],
    ['arn:aws:sns:us-east-1:123456789012:failures.fifo', 'sns'],
  ])('refuses FIFO destination %s without a call', async (arn, type) => {
    const { clients, sent } = fakeClients(() => ({}));
    const { d, sleeps } = destinations(clients);
    const outcome = await d.deliver(arn, record);
    expect(outcome).toMatchObject({ delivered: false, destinationType: type, calls: 0, errorCode: 'FifoDestinationNotSupported', aborted: false });
    expect(sent).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('refuses an ARN that is not a queue, topic or bucket', async () => {
    const { clients, sent } = fakeClients(() => ({}));
    const outcome = await destinations(clients).d.deliver('arn:aws:lambda:us-east-1:123456789012:function:f', record);
    expect(outcome).toMatchObject({ delivered: false, calls: 0, errorCode: 'UnsupportedDestinationType' });
    expect(sent).toEqual([]);
  });

  it('S3 without an injected writer: PutObject through the s3 client of `clients`', async () => {
    const { clients, sent } = fakeClients(() => ({}));
    const outcome = await destinations(clients).d.deliver('arn:aws:s3:::bucket-1', record, { mappingId: 'm', payload: () => '{"Records":[]}' });
    expect(outcome).toEqual({ delivered: true, destinationType: 's3', calls: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ service: 's3', name: 'PutObjectCommand', input: { Bucket: 'bucket-1', ContentType: 'application/json' } });
    expect(sent[0]!.input.Key).toMatch(/^aws\/lambda\/m\/shardId-000000000000\/2025\/11\/25\//);
  });

  it('S3 turned off (s3: null): a clear, immediate failure', async () => {
    const { clients, sent } = fakeClients(() => ({}));
    const d = new OnFailureDestinations({ clients, s3: null });
    const outcome = await d.deliver('arn:aws:s3:::bucket-1', record, { mappingId: 'm', payload: () => '{"Records":[]}' });
    expect(sent).toEqual([]);
    expect(outcome).toMatchObject({
      delivered: false,
      destinationType: 's3',
      calls: 0,
      errorCode: 'S3DestinationNotConfigured',
      lastProcessingResult: 'PROBLEM: Error sending to on-failure destination: S3DestinationNotConfigured',
    });
  });

  it('S3 with a writer: PutObject of the record plus payload under the §14.2 key', async () => {
    const puts: Parameters<S3ObjectWriter['putObject']>[0][] = [];
    const { clients } = fakeClients(() => ({}));
    const { d } = destinations(clients, { putObject: async (request) => void puts.push(request) });
    const outcome = await d.deliver('arn:aws:s3:::bucket-1', record, { mappingId: 'uuid-1', payload: () => '{"Records":[]}' });
    expect(outcome).toEqual({ delivered: true, destinationType: 's3', calls: 1 });
    expect(puts).toHaveLength(1);
    expect(puts[0]!.bucket).toBe('bucket-1');
    expect(puts[0]!.contentType).toBe('application/json');
    expect(puts[0]!.key).toMatch(/^aws\/lambda\/uuid-1\/shardId-000000000000\/2025\/11\/25\/2025-11-25T17\.01\.42-[0-9a-f-]{36}$/);
    expect(JSON.parse(puts[0]!.body)).toEqual({ ...record, payload: '{"Records":[]}' });
    expect(Object.keys(JSON.parse(puts[0]!.body)).at(-1)).toBe('payload');
  });

  it('S3 without the payload: refused (the caller must give the records)', async () => {
    const { clients } = fakeClients(() => ({}));
    const { d } = destinations(clients, { putObject: async () => undefined });
    expect(await d.deliver('arn:aws:s3:::bucket-1', record)).toMatchObject({ delivered: false, errorCode: 'S3PayloadMissing', calls: 0 });
  });

  it('stops trying when the signal is aborted and says so', async () => {
    const controller = new AbortController();
    const { clients, sent } = fakeClients(() => {
      controller.abort();
      throw sdkError('InternalError', 500);
    });
    const outcome = await destinations(clients).d.deliver('arn:aws:sns:us-east-1:123456789012:t', record, { signal: controller.signal });
    expect(outcome).toMatchObject({ delivered: false, calls: 1, aborted: true, errorCode: 'InternalError' });
    expect(sent).toHaveLength(1);
  });
});

describe('error codes', () => {
  it('network codes first, then the SDK error name', () => {
    expect(deliveryErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(deliveryErrorCode(Object.assign(new Error('x'), { name: 'TimeoutError', cause: { code: 'ETIMEDOUT' } }))).toBe('ETIMEDOUT');
    expect(deliveryErrorCode(sdkError('AWS.SimpleQueueService.NonExistentQueue'))).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(deliveryErrorCode(new Error('plain'))).toBe('UnknownError');
    expect(deliveryErrorCode('text')).toBe('UnknownError');
    expect(destinationProblem('NotFound')).toBe('PROBLEM: Error sending to on-failure destination: NotFound');
  });
});
