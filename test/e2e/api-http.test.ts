/**
 * The API at the HTTP level (api.md §1, §8): requests no operation gets to read (malformed
 * HTTP, paths the router cannot decode, unknown routes, headers too large, a bad
 * Content-Type or Expect) are answered in Lambda's error shape, and a client that stops
 * sending is dropped after `api.requestTimeoutMs` while others are served. Raw sockets
 * send what fetch refuses to.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw, type RawOutcome, type RawResponse } from '../support/raw-http.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';

const REQUEST_TIMEOUT_MS = 1_000;
const ESM_PATH = '/2015-03-31/event-source-mappings';
const NOT_FOUND = { Type: 'User', Message: 'The resource you requested does not exist.' };

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice({ api: { host: '127.0.0.1', port: 0, requestTimeoutMs: REQUEST_TIMEOUT_MS } });
});
afterAll(async () => {
  await sluice?.stop();
});

const raw = (request: string | Buffer, timeoutMs = 5_000) => sendRaw(sluice.port, Buffer.isBuffer(request) ? request : Buffer.from(request, 'latin1'), { timeoutMs });
const get = (path: string, headers = '') => raw(`GET ${path} HTTP/1.1\r\nHost: sluice\r\n${headers}Connection: close\r\n\r\n`);

/** An answer in Lambda's error shape (api.md §8): status, x-amzn-ErrorType, request id, exact JSON body. */
function expectLambdaShape(outcome: RawOutcome, status: number, type: string, body: Record<string, unknown>): RawResponse {
  expect(outcome.kind, JSON.stringify(outcome)).toBe('response');
  const response = outcome as RawResponse;
  expect({ status: response.status, type: response.headers['x-amzn-errortype'] }).toEqual({ status, type });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.parse(response.body)).toEqual(body);
  return response;
}

describe('paths the router cannot take apart', () => {
  it.each([
    ['bad percent-encoding', '%zz'],
    ['a truncated escape', '%E0%A4%A'],
    ['a lone %', '%'],
    ['an id longer than the router allows', 'x'.repeat(150)],
    ['a UUID with 1,000 characters appended', `${randomUUID()}${'0'.repeat(1_000)}`],
  ])('{UUID} with %s: V1 for Get, Update and Delete', async (_what, uuid) => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const body = method === 'PUT' ? '{"BatchSize": 5}' : '';
      const outcome = await raw(`${method} ${ESM_PATH}/${uuid} HTTP/1.1\r\nHost: sluice\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      expectLambdaShape(outcome, 404, 'ResourceNotFoundException', NOT_FOUND);
    }
  });

  it('an unknown route or method: UnknownOperationException', async () => {
    expectLambdaShape(await get('/2015-03-31/functions/%zz'), 404, 'UnknownOperationException', { Type: 'User', message: 'Unknown operation GET /2015-03-31/functions/%zz' });
    expectLambdaShape(
      await raw(`PATCH ${ESM_PATH}/${randomUUID()} HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n`),
      404,
      'UnknownOperationException',
      { Type: 'User', message: expect.stringMatching(/^Unknown operation PATCH /) },
    );
  });
});

describe('requests Node’s HTTP parser refuses', () => {
  const malformed = { Type: 'User', message: expect.stringMatching(/^Malformed HTTP request: \S/) };

  it.each([
    ['an unknown method', `FOO ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\n\r\n`],
    ['a header name with a space', `GET ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nBad Header: x\r\n\r\n`],
    ['two different Content-Lengths', `POST ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
    ['a Content-Length that is not a number', `POST ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nContent-Length: abc\r\n\r\n{}`],
    ['chunks that are not hex', `POST ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ['an unknown HTTP version', `GET ${ESM_PATH} HTTP/9.9\r\nHost: sluice\r\n\r\n`],
  ])('%s: 400 InvalidRequestContentException', async (_what, request) => {
    expectLambdaShape(await raw(request), 400, 'InvalidRequestContentException', malformed);
  });

  it('headers over the size limit: 431 RequestTooLargeException', async () => {
    expectLambdaShape(await get(ESM_PATH, `X-Big: ${'b'.repeat(20_000)}\r\n`), 431, 'RequestTooLargeException', {
      Type: 'User',
      message: expect.stringMatching(/^Request line and headers must be smaller than \d+ bytes\.$/),
    });
    expectLambdaShape(await get(`/${'p'.repeat(20_000)}`), 431, 'RequestTooLargeException', { Type: 'User', message: expect.any(String) });
  });
});

describe('headers fastify or Node would answer for themselves', () => {
  it('a Content-Type that is not a media type: 415 UnsupportedMediaTypeException', async () => {
    const outcome = await raw(`POST ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nContent-Type: ;;;\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expectLambdaShape(outcome, 415, 'UnsupportedMediaTypeException', { Type: 'User', message: 'The Content-Type header is not a valid media type.' });
  });

  it('an Expect other than 100-continue: 417 in Lambda’s shape', async () => {
    expectLambdaShape(await get(ESM_PATH, 'Expect: tea\r\n'), 417, 'InvalidRequestContentException', {
      Type: 'User',
      message: "Malformed HTTP request: unsupported Expect header 'tea'",
    });
  });

  it('HTTP/1.1 without Host is served (Lambda’s API does not need it); so is HTTP/1.0', async () => {
    for (const request of [`GET ${ESM_PATH} HTTP/1.1\r\nConnection: close\r\n\r\n`, `GET ${ESM_PATH} HTTP/1.0\r\n\r\n`]) {
      const outcome = await raw(request);
      expect(outcome).toMatchObject({ kind: 'response', status: 200 });
      expect(JSON.parse((outcome as RawResponse).body)).toEqual({ EventSourceMappings: [] });
    }
  });
});

describe('slow clients (api.requestTimeoutMs)', () => {
  it.each([
    ['announces more body than it sends', `POST ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nContent-Length: 100\r\n\r\n{"Function`],
    ['never finishes its headers', `GET ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nX-Partial: `],
    ['never sends the last chunk', `POST ${ESM_PATH} HTTP/1.1\r\nHost: sluice\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n`],
  ])('a client that %s is answered 408 and dropped; others are served meanwhile', async (_what, request) => {
    let slowDone = false;
    const slow = raw(request, 10 * REQUEST_TIMEOUT_MS).finally(() => (slowDone = true));
    const served = await fetch(`${sluice.url}${ESM_PATH}`);
    expect(served.status).toBe(200);
    expect(slowDone).toBe(false);

    const outcome = await slow;
    expectLambdaShape(outcome, 408, 'RequestTimeoutException', { Type: 'User', message: `The request did not arrive in full within ${REQUEST_TIMEOUT_MS} ms.` });
    // Node checks request timeouts on a timer (a quarter of the timeout here): generous bounds.
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(outcome.elapsedMs).toBeLessThan(5 * REQUEST_TIMEOUT_MS);
  });
});
