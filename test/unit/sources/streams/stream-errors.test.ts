/** One classification of stream errors (streams.md §4), from the SDKs' own exception classes. */
import * as kinesis from '@aws-sdk/client-kinesis';
import * as streams from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import {
  callStream,
  classifyStreamError,
  StreamSourceError,
  streamErrorKind,
  toStreamSourceError,
  type StreamErrorKind,
} from '../../../../src/sources/streams/stream-errors.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'req-1' } });

describe('classifyStreamError', () => {
  const cases: Array<[string, unknown, StreamErrorKind]> = [
    ['Kinesis ProvisionedThroughputExceeded', new kinesis.ProvisionedThroughputExceededException({ message: 'Rate exceeded', ...meta(400) }), 'throttled'],
    ['Kinesis LimitExceeded', new kinesis.LimitExceededException({ message: 'Rate exceeded for stream', ...meta(400) }), 'throttled'],
    ['Kinesis KMSThrottling', new kinesis.KMSThrottlingException({ message: 'slow down', ...meta(400) }), 'throttled'],
    ['DynamoDB LimitExceeded', new streams.LimitExceededException({ message: 'too many', ...meta(400) }), 'throttled'],
    ['any 429', Object.assign(new Error('x'), { name: 'SomethingNew', ...meta(429) }), 'throttled'],
    ['Kinesis ExpiredIterator', new kinesis.ExpiredIteratorException({ message: 'Iterator expired', ...meta(400) }), 'expiredIterator'],
    ['DynamoDB ExpiredIterator', new streams.ExpiredIteratorException({ message: 'UnknownError', ...meta(400) }), 'expiredIterator'],
    ['DynamoDB TrimmedDataAccess', new streams.TrimmedDataAccessException({ message: 'trimmed', ...meta(400) }), 'trimmed'],
    ['Kinesis ResourceNotFound', new kinesis.ResourceNotFoundException({ message: 'Stream x not found', ...meta(400) }), 'notFound'],
    ['DynamoDB ResourceNotFound', new streams.ResourceNotFoundException({ message: 'Requested resource not found', ...meta(400) }), 'notFound'],
    ['Kinesis invalid iterator', new kinesis.InvalidArgumentException({ message: 'Invalid ShardIterator.', ...meta(400) }), 'invalidIterator'],
    ['DynamoDB invalid iterator', Object.assign(new Error('Invalid ShardIterator'), { name: 'ValidationException', ...meta(400) }), 'invalidIterator'],
    ['other InvalidArgument', new kinesis.InvalidArgumentException({ message: 'Limit must be between 1 and 10000', ...meta(400) }), 'invalidArgument'],
    ['Kinesis InternalFailure', new kinesis.InternalFailureException({ message: 'oops', ...meta(500) }), 'server'],
    ['DynamoDB InternalServerError', new streams.InternalServerError({ message: 'oops', ...meta(500) }), 'server'],
    ['503', Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $fault: 'server', ...meta(503) }), 'server'],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: {} }), 'network'],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network'],
    ['SDK timeout', Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }), 'network'],
    ['access denied', new kinesis.AccessDeniedException({ message: 'no', ...meta(400) }), 'other'],
    ['KMS access denied', new kinesis.KMSAccessDeniedException({ message: 'no', ...meta(400) }), 'other'],
    ['a string', 'boom', 'other'],
    ['undefined', undefined, 'other'],
  ];

  it.each(cases)('%s', (_name, error, kind) => {
    expect(classifyStreamError(error).kind).toBe(kind);
  });

  it('keeps the code, message, status and request id', () => {
    const error = new kinesis.ExpiredIteratorException({ message: 'Iterator expired', ...meta(400) });
    expect(classifyStreamError(error)).toEqual({
      kind: 'expiredIterator',
      code: 'ExpiredIteratorException',
      message: 'Iterator expired',
      httpStatusCode: 400,
      requestId: 'req-1',
    });
    expect(classifyStreamError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })).code).toBe('ECONNREFUSED');
  });

  it('reads errors through aws/sdk-errors: a network errno the SDK wrapped as cause is a network failure', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(classifyStreamError(wrapped)).toEqual({ kind: 'network', code: 'ECONNREFUSED', message: 'fetch failed' });
  });

  it('calls a refused sequence number positionNotFound only when the call named one', () => {
    const refusals = [
      new kinesis.InvalidArgumentException({ message: 'Invalid StartingSequenceNumber. It encodes shardId-000000000001', ...meta(400) }),
      new kinesis.ResourceNotFoundException({ message: 'Unable to find record with provided SequenceNumber SequenceNumber(1)', ...meta(400) }),
      Object.assign(new Error('Invalid SequenceNumber for the shard'), { name: 'ValidationException', ...meta(400) }),
    ];
    for (const error of refusals) {
      expect(classifyStreamError(error, { sequencePosition: true }).kind).toBe('positionNotFound');
      expect(classifyStreamError(error).kind).not.toBe('positionNotFound');
    }
    // A missing stream stays a missing stream, sequence number or not.
    const missing = new kinesis.ResourceNotFoundException({ message: 'Stream arn x not found', ...meta(400) });
    expect(classifyStreamError(missing, { sequencePosition: true }).kind).toBe('notFound');
  });
});

describe('StreamSourceError', () => {
  const context = { operation: 'GetRecords' as const, streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', shardId: 'shardId-000000000001' };

  it('says where it happened and keeps the original as cause', () => {
    const original = new kinesis.ExpiredIteratorException({ message: 'Iterator expired', ...meta(400) });
    const error = toStreamSourceError(original, context);
    expect(error).toBeInstanceOf(StreamSourceError);
    expect(error.message).toBe(
      'GetRecords arn:aws:kinesis:us-east-1:123456789012:stream/s shardId-000000000001: ExpiredIteratorException: Iterator expired',
    );
    expect(error).toMatchObject({ name: 'StreamSourceError', kind: 'expiredIterator', code: 'ExpiredIteratorException', operation: 'GetRecords', shardId: 'shardId-000000000001', httpStatusCode: 400, requestId: 'req-1' });
    expect(error.cause).toBe(original);
    expect(toStreamSourceError(error, { ...context, operation: 'ListShards' })).toBe(error);
    expect(classifyStreamError(error).kind).toBe('expiredIterator');
    expect(streamErrorKind(error)).toBe('expiredIterator');
    expect(streamErrorKind(new streams.TrimmedDataAccessException({ message: 't', ...meta(400) }))).toBe('trimmed');
  });

  it('callStream passes results through and wraps failures', async () => {
    await expect(callStream(context, async () => 42)).resolves.toBe(42);
    const failure = callStream(context, async () => {
      throw new kinesis.ResourceNotFoundException({ message: 'Unable to find record with provided SequenceNumber', ...meta(400) });
    }, { sequencePosition: true });
    await expect(failure).rejects.toMatchObject({ kind: 'positionNotFound', operation: 'GetRecords' });
  });
});
