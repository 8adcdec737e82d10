import { describe, expect, it } from 'vitest';
import { ExpiredIteratorException, InvalidArgumentException, ProvisionedThroughputExceededException, ResourceNotFoundException, AccessDeniedException, InternalFailureException, KMSNotFoundException } from '@aws-sdk/client-kinesis';
import { TrimmedDataAccessException, LimitExceededException } from '@aws-sdk/client-dynamodb-streams';
import { QueueDoesNotExist, RequestThrottled, KmsThrottled } from '@aws-sdk/client-sqs';
import { NotFoundException, AuthorizationErrorException, ThrottledException } from '@aws-sdk/client-sns';
import { NoSuchBucket } from '@aws-sdk/client-s3';
import { readSdkError, sdkErrorCode } from '../../../src/aws/sdk-errors.js';

const meta = (httpStatusCode: number, requestId = 'req-1') => ({ httpStatusCode, requestId, attempts: 1, totalRetryDelay: 0 });
const errno = (code: string, message = `connect ${code} 127.0.0.1:1`) => Object.assign(new Error(message), { code });

describe('readSdkError', () => {
  it.each([
    ['ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: meta(400) })],
    ['LimitExceededException', new LimitExceededException({ message: 'slow down', $metadata: meta(400) })],
    ['RequestThrottled', new RequestThrottled({ message: 'slow down', $metadata: meta(400) })],
    ['KmsThrottled', new KmsThrottled({ message: 'slow down', $metadata: meta(400) })],
    ['ThrottledException', new ThrottledException({ message: 'slow down', $metadata: meta(400) })],
  ])('classes %s as throttled', (code, error) => {
    expect(readSdkError(error)).toEqual({ class: 'throttled', code, message: 'slow down', httpStatusCode: 400, requestId: 'req-1' });
  });

  it('classes HTTP 429 and $retryable.throttling as throttled whatever the name', () => {
    expect(readSdkError(Object.assign(new Error('x'), { name: 'SomethingNew', $metadata: { httpStatusCode: 429 } })).class).toBe('throttled');
    expect(readSdkError(Object.assign(new Error('x'), { name: 'SomethingNew', $retryable: { throttling: true } })).class).toBe('throttled');
    expect(readSdkError(Object.assign(new Error('x'), { name: 'SomethingNew', $retryable: { throttling: false } })).class).toBe('other');
  });

  it('classes missing resources as notFound, keeping each service spelling as the code', () => {
    const cases: [Error, string][] = [
      [new ResourceNotFoundException({ message: 'gone', $metadata: meta(400) }), 'ResourceNotFoundException'],
      [new QueueDoesNotExist({ message: 'gone', $metadata: meta(400) }), 'QueueDoesNotExist'],
      [Object.assign(new QueueDoesNotExist({ message: 'gone', $metadata: meta(400) }), { Code: 'AWS.SimpleQueueService.NonExistentQueue' }), 'AWS.SimpleQueueService.NonExistentQueue'],
      [new NotFoundException({ message: 'gone', $metadata: meta(404) }), 'NotFoundException'],
      [new NoSuchBucket({ message: 'gone', $metadata: meta(404) }), 'NoSuchBucket'],
    ];
    for (const [error, code] of cases) expect(readSdkError(error)).toMatchObject({ class: 'notFound', code });
  });

  it('does not take a missing KMS key for a missing resource', () => {
    expect(readSdkError(new KMSNotFoundException({ message: 'key', $metadata: meta(400) }))).toMatchObject({ class: 'other', code: 'KMSNotFoundException' });
  });

  it('classes access denied by name and by HTTP 403', () => {
    expect(readSdkError(new AccessDeniedException({ message: 'no', $metadata: meta(400) })).class).toBe('accessDenied');
    expect(readSdkError(new AuthorizationErrorException({ message: 'no', $metadata: meta(403) })).class).toBe('accessDenied');
    expect(readSdkError(Object.assign(new Error('no'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } })).class).toBe('accessDenied');
  });

  it('classes iterator and trim refusals', () => {
    expect(readSdkError(new ExpiredIteratorException({ message: 'old', $metadata: meta(400) })).class).toBe('expiredIterator');
    expect(readSdkError(new TrimmedDataAccessException({ message: 'trimmed', $metadata: meta(400) })).class).toBe('trimmed');
    expect(readSdkError(new InvalidArgumentException({ message: 'bad', $metadata: meta(400) })).class).toBe('invalidRequest');
  });

  it('classes HTTP 5xx and $fault server as server', () => {
    expect(readSdkError(new InternalFailureException({ message: 'boom', $metadata: meta(500) }))).toMatchObject({ class: 'server', httpStatusCode: 500 });
    expect(readSdkError(Object.assign(new Error('boom'), { name: 'ServiceUnavailable', $fault: 'server' })).class).toBe('server');
    expect(readSdkError(Object.assign(new Error('fine'), { name: 'Odd', $metadata: { httpStatusCode: 499 } })).class).toBe('other');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])('classes raw errno %s as network and reports it', (code) => {
    expect(readSdkError(errno(code))).toEqual({ class: 'network', code, message: `connect ${code} 127.0.0.1:1` });
  });

  it('finds the errno the SDK wraps as cause, ahead of the wrapper name', () => {
    const wrapped = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', cause: errno('ECONNRESET') });
    expect(readSdkError(wrapped)).toMatchObject({ class: 'network', code: 'ECONNRESET' });
  });

  it('classes SDK timeouts without errno as network', () => {
    for (const name of ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']) {
      expect(readSdkError(Object.assign(new Error('late'), { name }))).toMatchObject({ class: 'network', code: name });
    }
  });

  it('reports Code before name, name before code, and skips the generic Error name', () => {
    expect(sdkErrorCode({ Code: 'A', name: 'B', code: 'C' })).toBe('A');
    expect(sdkErrorCode({ name: 'B', code: 'C' })).toBe('B');
    expect(sdkErrorCode(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' }))).toBe('ERR_SOMETHING');
    expect(sdkErrorCode({ Code: '', name: 'Error' })).toBe('UnknownError');
  });

  it('reads anything thrown, not only errors', () => {
    expect(readSdkError('text')).toEqual({ class: 'other', code: 'UnknownError', message: 'text' });
    expect(readSdkError(undefined)).toEqual({ class: 'other', code: 'UnknownError', message: 'undefined' });
    expect(readSdkError(new Error('plain'))).toEqual({ class: 'other', code: 'UnknownError', message: 'plain' });
  });
});
