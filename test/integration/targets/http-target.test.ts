/**
 * The http target against real local servers: every outcome class of sqs.md §2 (HTTP
 * column), the request it sends, connection reuse, timeouts, close().
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpTarget } from '../../../src/targets/index.js';
import { startRecordingTarget, sequence } from '../../support/recording-target.js';
import { FUNCTION_ARN, expectKind, invocationContext } from './helpers.js';

const event = JSON.stringify({ Records: [{ messageId: 'm1', body: 'héllo' }] });

async function recording(path = '/invoke') {
  const server = await startRecordingTarget();
  onTestFinished(() => server.close());
  const target = new HttpTarget(`${server.url}${path}`);
  onTestFinished(() => target.close());
  return { server, target };
}

/** A plain node:http server for what the recording target cannot do; counts connections. */
async function rawServer(handler: http.RequestListener) {
  const server = http.createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('http target: the request', () => {
  it('POSTs the payload as JSON with the request id and function ARN in headers', async () => {
    const { server, target } = await recording('/hooks/orders?x=1');
    const outcome = expectKind(await target.invoke(event, invocationContext({ timeoutMs: 4_000 })), 'success');
    const [request] = await server.waitForRequests(1);
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/orders', query: { x: '1' }, rawBody: event });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['content-length']).toBe(String(Buffer.byteLength(event)));
    expect(request!.headers['x-amzn-requestid']).toBe(outcome.requestId);
    expect(request!.headers['lambda-runtime-aws-request-id']).toBe(outcome.requestId);
    expect(request!.headers['lambda-runtime-invoked-function-arn']).toBe(FUNCTION_ARN);
    const deadline = Number(request!.headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThan(Date.now());
    expect(deadline).toBeLessThanOrEqual(Date.now() + 4_000);
  });

  it('uses a fresh request id per attempt', async () => {
    const { target } = await recording();
    const first = expectKind(await target.invoke(event, invocationContext()), 'success');
    const second = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(first.requestId).not.toBe(second.requestId);
    expect(first.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps connections alive: sequential invocations share one connection', async () => {
    const server = await rawServer((_req, res) => res.end('{}'));
    const target = new HttpTarget(server.url);
    onTestFinished(() => target.close());
    for (let i = 0; i < 20; i++) expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(server.connections()).toBe(1);
  });

  it('runs concurrent invocations in parallel', async () => {
    const { server, target } = await recording();
    server.respondWith({ delayMs: 200, json: {} });
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => target.invoke(event, invocationContext())));
    for (const outcome of outcomes) expectKind(outcome, 'success');
    expect(Date.now() - started).toBeLessThan(800); // serially: 2000 ms
  });
});

describe('http target: success (2xx)', () => {
  it('decodes a JSON body', async () => {
    const { server, target } = await recording();
    server.respondWith({ json: { batchItemFailures: [{ itemIdentifier: 'm1' }] } });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(outcome).toMatchObject({
      response: { batchItemFailures: [{ itemIdentifier: 'm1' }] },
      responseIsJson: true,
      executedVersion: '$LATEST',
    });
  });

  it('an empty body is null', async () => {
    const { target } = await recording();
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(outcome.response).toBeNull();
    expect(outcome.responseIsJson).toBe(true);
  });

  it('a body that is not JSON is kept as text, marked not JSON', async () => {
    const { server, target } = await recording();
    server.respondWith({ body: '{"batchItemFailures": [' });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(outcome).toMatchObject({ response: '{"batchItemFailures": [', responseIsJson: false });
  });

  it.each([201, 202, 204, 299])('status %i is a success', async (status) => {
    const { server, target } = await recording();
    server.respondWith({ status });
    expectKind(await target.invoke(event, invocationContext()), 'success');
  });
});

describe('http target: invocation errors', () => {
  it('429 is throttled', async () => {
    const { server, target } = await recording();
    server.respondWith({ status: 429, body: 'slow down' });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome).toMatchObject({ reason: 'throttled', statusCode: 429, errorMessage: 'HTTP 429 Too Many Requests' });
  });

  it('connection refused is unreachable', async () => {
    const target = new HttpTarget(`http://127.0.0.1:${await closedPort()}/`);
    onTestFinished(() => target.close());
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome).toMatchObject({ reason: 'unreachable', errorCode: 'ECONNREFUSED' });
  });

  it('a name that does not resolve is unreachable', async () => {
    const target = new HttpTarget('http://sluice-target.invalid/');
    onTestFinished(() => target.close());
    const outcome = expectKind(await target.invoke(event, invocationContext({ timeoutMs: 2_000 })), 'invocation-error');
    expect(outcome.reason).toBe('unreachable');
    expect(['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']).toContain(outcome.errorCode);
  });

  it('a TLS failure is unreachable', async () => {
    const { server } = await recording();
    const target = new HttpTarget(server.url.replace('http:', 'https:')); // TLS to a plain HTTP port
    onTestFinished(() => target.close());
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome.reason).toBe('unreachable');
    expect(server.requests).toHaveLength(0);
  });

  it('a connection reset before any response is unreachable', async () => {
    const { server, target } = await recording();
    server.respondWith({ destroySocket: true });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome).toMatchObject({ reason: 'unreachable', errorCode: 'ECONNRESET' });
  });

  it('a request that cannot even be sent within the timeout is unreachable', async () => {
    // A TCP server that never reads: the request can still be written to the socket buffer,
    // so use a body too large to fit in it to keep the request from being "sent".
    const sink = net.createServer((socket) => socket.pause());
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => sink.close(() => resolve())));
    const sockets: net.Socket[] = [];
    sink.on('connection', (socket) => sockets.push(socket));
    onTestFinished(() => sockets.forEach((s) => s.destroy()));
    const target = new HttpTarget(`http://127.0.0.1:${(sink.address() as AddressInfo).port}/`);
    onTestFinished(() => target.close());
    const big = JSON.stringify({ data: 'x'.repeat(32 * 1024 * 1024) });
    const outcome = expectKind(await target.invoke(big, invocationContext({ timeoutMs: 300 })), 'invocation-error');
    expect(outcome).toMatchObject({ reason: 'unreachable', errorCode: 'ETIMEDOUT' });
  });

  it('a stale pooled connection is retried once on a fresh one', async () => {
    const { server, target } = await recording();
    // 2nd request arrives on the kept-alive connection, which the server then drops.
    server.respondWith(sequence({ json: 1 }, { destroySocket: true }, { json: 3 }));
    expect(expectKind(await target.invoke(event, invocationContext()), 'success').response).toBe(1);
    expect(expectKind(await target.invoke(event, invocationContext()), 'success').response).toBe(3);
    expect(server.requests).toHaveLength(3);
  });
});

describe('http target: function errors', () => {
  it('500 with a Lambda-like error body takes its message and type', async () => {
    const { server, target } = await recording();
    server.respondWith({ status: 500, json: { errorType: 'ValidationError', errorMessage: 'order 7 is invalid' } });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({
      functionError: 'Unhandled',
      errorType: 'ValidationError',
      errorMessage: 'order 7 is invalid',
      statusCode: 500,
      executedVersion: '$LATEST',
    });
  });

  it.each([
    [500, 'oops', 'HTTP 500 Internal Server Error'],
    [503, '', 'HTTP 503 Service Unavailable'],
    [404, '{"message":"no route"}', 'HTTP 404 Not Found'],
    [302, '', 'HTTP 302 Found'],
    [400, '[1,2]', 'HTTP 400 Bad Request'],
  ])('status %i is a function error with the status text', async (status, body, message) => {
    const { server, target } = await recording();
    server.respondWith({ status, body });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({ functionError: 'Unhandled', errorMessage: message, statusCode: status });
  });

  it('no response within the timeout after sending is "Task timed out"', async () => {
    const { server, target } = await recording();
    server.respondWith({ delayMs: 2_000, json: {} });
    const started = Date.now();
    const outcome = expectKind(await target.invoke(event, invocationContext({ timeoutMs: 300 })), 'function-error');
    const tookMs = Date.now() - started;
    expect(outcome).toMatchObject({
      functionError: 'Unhandled',
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.30 seconds',
    });
    expect(tookMs).toBeGreaterThanOrEqual(295);
    expect(tookMs).toBeLessThan(600);
    await expect.poll(() => server.requests[0]?.clientAborted).toBe(true); // the request was abandoned
    // The target is usable afterwards.
    server.respondWith({ json: 'fine' });
    expect(expectKind(await target.invoke(event, invocationContext()), 'success').response).toBe('fine');
  });

  it('a response cut short mid-body is a function error', async () => {
    const server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const target = new HttpTarget(server.url);
    onTestFinished(() => target.close());
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({ statusCode: 200, errorMessage: 'connection closed before the response ended' });
  });

  it('a response above 6 MB is a function error', async () => {
    const { server, target } = await recording();
    server.respondWith({ body: 'x'.repeat(6_291_557) });
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome.errorType).toBe('Function.ResponseSizeTooLarge');
  });
});

describe('http target: close()', () => {
  it('ends invocations in flight as unreachable and refuses new ones', async () => {
    const { server, target } = await recording();
    server.respondWith({ delayMs: 5_000 });
    const running = target.invoke(event, invocationContext({ timeoutMs: 10_000 }));
    await server.waitForRequests(1);
    await target.close();
    for (const outcome of await Promise.all([running, target.invoke(event, invocationContext())])) {
      expect(expectKind(outcome, 'invocation-error')).toMatchObject({ reason: 'unreachable', errorCode: 'TargetClosed' });
    }
  });
});
