/**
 * Answers for requests no operation reads (src/api/framework-errors.ts): which Lambda error
 * each framework or parser refusal becomes, and the raw HTTP answer written on a socket.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { FastifyError } from 'fastify';
import { clientErrorAnswer, lambdaErrorForFastifyError, rawErrorResponse, unroutablePathError } from '../../../src/api/framework-errors.js';
import { LambdaApiError } from '../../../src/mappings/errors.js';

const ESM = '/2015-03-31/event-source-mappings';
const TAGS = '/2017-03-31/tags';
const summary = (error: LambdaApiError | undefined) => error && { type: error.type, status: error.status, message: error.message };

describe('unroutablePathError', () => {
  it('a mapping id the router cannot take is V1 for GET, HEAD, PUT and DELETE', () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      expect(summary(unroutablePathError(method, `${ESM}/%E0%A4%A?x=1`))).toEqual({ type: 'ResourceNotFoundException', status: 404, message: 'The resource you requested does not exist.' });
    }
  });

  it('a mapping path with a slash in the id, or POST on it, is an unknown operation without the query', () => {
    expect(summary(unroutablePathError('GET', `${ESM}/a/b?x=1`))).toEqual({ type: 'UnknownOperationException', status: 404, message: `Unknown operation GET ${ESM}/a/b` });
    expect(summary(unroutablePathError('POST', `${ESM}/abc`))).toEqual({ type: 'UnknownOperationException', status: 404, message: `Unknown operation POST ${ESM}/abc` });
  });

  it('a tag resource that cannot be an ARN is V47 for GET, HEAD, POST and DELETE; PUT is unknown', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'DELETE']) {
      const error = unroutablePathError(method, `${TAGS}/%ZZ`);
      expect([error.type, error.message.startsWith("1 validation error detected: Value '%ZZ' at 'resource'")]).toEqual(['ValidationException', true]);
    }
    expect(unroutablePathError('PUT', `${TAGS}/%ZZ`).type).toBe('UnknownOperationException');
  });

  it('any other path is an unknown operation', () => {
    expect(summary(unroutablePathError('GET', '/other/%E0'))).toEqual({ type: 'UnknownOperationException', status: 404, message: 'Unknown operation GET /other/%E0' });
    expect(unroutablePathError('GET', ESM).type).toBe('UnknownOperationException');
  });
});

describe('lambdaErrorForFastifyError', () => {
  const fastifyError = (code: string, statusCode?: number, message = 'framework words') => Object.assign(new Error(message), { code, ...(statusCode === undefined ? {} : { statusCode }) }) as FastifyError;

  it('maps the body errors to V2a, V2 and UnsupportedMediaType', () => {
    expect(summary(lambdaErrorForFastifyError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413)))).toEqual({ type: 'RequestTooLargeException', status: 413, message: 'Request must be smaller than 1048576 bytes.' });
    expect(summary(lambdaErrorForFastifyError(fastifyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400)))).toEqual({
      type: 'InvalidRequestContentException',
      status: 400,
      message: 'Could not parse request body into json: invalid Content-Length',
    });
    expect(summary(lambdaErrorForFastifyError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)))).toEqual({
      type: 'UnsupportedMediaTypeException',
      status: 415,
      message: 'The Content-Type header is not a valid media type.',
    });
  });

  it('any other 4xx is a malformed request at its own status; 5xx, 3xx and none are not the client\'s (undefined)', () => {
    expect(summary(lambdaErrorForFastifyError(fastifyError('FST_OTHER', 400)))).toEqual({ type: 'InvalidRequestContentException', status: 400, message: 'Malformed HTTP request: framework words' });
    expect(lambdaErrorForFastifyError(fastifyError('FST_OTHER', 499))?.status).toBe(499);
    expect(lambdaErrorForFastifyError(fastifyError('FST_OTHER', 500))).toBeUndefined();
    expect(lambdaErrorForFastifyError(fastifyError('FST_OTHER', 399))).toBeUndefined();
    expect(lambdaErrorForFastifyError(fastifyError('FST_OTHER'))).toBeUndefined();
  });
});

describe('clientErrorAnswer', () => {
  const parserError = (code: string, reason?: string) => Object.assign(new Error('Parse Error'), { code, ...(reason ? { reason } : {}) });

  it('a request that did not arrive in time is RequestTimeoutException (408) naming the limit', () => {
    expect(summary(clientErrorAnswer(parserError('ERR_HTTP_REQUEST_TIMEOUT'), 5000))).toEqual({
      type: 'RequestTimeoutException',
      status: 408,
      message: 'The request did not arrive in full within 5000 ms.',
    });
  });

  it('headers too large is 431 naming Node\'s limit', () => {
    expect(summary(clientErrorAnswer(parserError('HPE_HEADER_OVERFLOW'), 5000))).toEqual({
      type: 'RequestTooLargeException',
      status: 431,
      message: `Request line and headers must be smaller than ${http.maxHeaderSize} bytes.`,
    });
  });

  it('anything else is a malformed request with the parser\'s reason, else its message', () => {
    expect(summary(clientErrorAnswer(parserError('HPE_INVALID_METHOD', 'Invalid method encountered'), 5000))).toEqual({
      type: 'InvalidRequestContentException',
      status: 400,
      message: 'Malformed HTTP request: Invalid method encountered',
    });
    expect(clientErrorAnswer(parserError('HPE_OTHER'), 5000).message).toBe('Malformed HTTP request: Parse Error');
  });
});

describe('rawErrorResponse', () => {
  it('a whole HTTP/1.1 answer in Lambda\'s shape that closes the connection', () => {
    const error = new LambdaApiError('RequestTimeoutException', 'late');
    const body = '{"Type":"User","message":"late"}';
    expect(rawErrorResponse(error, 'req-1')).toBe(
      `HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `x-amzn-RequestId: req-1\r\nx-amzn-ErrorType: RequestTimeoutException\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  it('an unusual status still gets a reason phrase, and a fresh request id when none is given', () => {
    const text = rawErrorResponse(new LambdaApiError('InvalidRequestContentException', 'x', 499));
    expect(text.startsWith('HTTP/1.1 499 Error\r\n')).toBe(true);
    expect(text).toMatch(/\r\nx-amzn-RequestId: [0-9a-f-]{36}\r\n/);
  });
});
