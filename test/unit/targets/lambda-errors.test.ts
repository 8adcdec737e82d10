import { describe, expect, it } from 'vitest';
import { classifyInvokeError } from '../../../src/targets/lambda-errors.js';
import { parseLambdaFunctionRef } from '../../../src/targets/lambda-target.js';

const sdkError = (name: string, httpStatusCode?: number, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: httpStatusCode ? { httpStatusCode } : {}, ...extra });

describe('classifyInvokeError (sqs.md §2, Lambda column)', () => {
  it.each([
    [sdkError('TooManyRequestsException', 429), 'throttled'],
    [sdkError('SomethingNew', 429), 'throttled'],
    [sdkError('ResourceNotFoundException', 404), 'not-found'],
    [sdkError('ServiceException', 500), 'service-error'],
    [sdkError('EC2UnexpectedException', 502), 'service-error'],
    [sdkError('AccessDeniedException', 403), 'service-error'],
    [sdkError('KMSDisabledException', 502), 'service-error'],
    [sdkError('InvalidRequestContentException', 400), 'service-error'],
  ])('%s -> %s', (error, reason) => {
    expect(classifyInvokeError(error)).toMatchObject({ reason, errorCode: error.name, statusCode: error.$metadata.httpStatusCode });
  });

  it('an error without an HTTP status is unreachable, with the node error code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: {} });
    expect(classifyInvokeError(refused)).toEqual({ reason: 'unreachable', errorCode: 'ECONNREFUSED', errorMessage: 'connect ECONNREFUSED 127.0.0.1:1' });
    expect(classifyInvokeError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toMatchObject({ reason: 'unreachable', errorCode: 'TimeoutError' });
  });

  it('reads the errno the SDK wrapped as cause, like every reader of aws/sdk-errors.ts', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }) });
    expect(classifyInvokeError(wrapped)).toEqual({ reason: 'unreachable', errorCode: 'ECONNRESET', errorMessage: 'fetch failed' });
  });

  it('copes with values that are not errors', () => {
    // Read by aws/sdk-errors.ts like every other failed AWS call: no code at all is UnknownError.
    expect(classifyInvokeError('weird')).toEqual({ reason: 'unreachable', errorCode: 'UnknownError', errorMessage: 'weird' });
    expect(classifyInvokeError(undefined)).toMatchObject({ reason: 'unreachable' });
  });
});

describe('parseLambdaFunctionRef', () => {
  it.each([
    ['billing', {}],
    ['billing:prod', { qualifier: 'prod' }],
    ['123456789012:function:billing', {}],
    ['123456789012:function:billing:7', { qualifier: '7' }],
    ['arn:aws:lambda:eu-west-1:123456789012:function:billing', { region: 'eu-west-1' }],
    ['arn:aws:lambda:eu-west-1:123456789012:function:billing:$LATEST', { region: 'eu-west-1', qualifier: '$LATEST' }],
  ])('%s', (value, parts) => {
    expect(parseLambdaFunctionRef(value)).toEqual({ functionName: value, ...parts });
  });
});
