/**
 * The lambda target through @aws-sdk/client-lambda against a fake Invoke endpoint: every
 * outcome class of sqs.md §2 (Lambda column), Qualifier, and no SDK retries.
 */
import net from 'node:net';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { configSchema, loadConfig } from '../../../src/config/index.js';
import { LambdaTarget, createTarget, type LambdaTargetOptions } from '../../../src/targets/index.js';
import { startFakeLambda, type FakeLambda } from './fake-lambda.js';
import { capturingLogger, expectKind, invocationContext } from './helpers.js';

const event = JSON.stringify({ Records: [{ eventSource: 'aws:sqs', body: 'x' }] });

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
});

function clientsFor(endpoint: string): AwsClients {
  const config = configSchema.parse({ aws: { services: { lambda: { endpoint } } } });
  const clients = new AwsClients(config);
  onTestFinished(() => clients.destroy());
  return clients;
}

/** An endpoint on a loopback port nobody listens on. */
async function refusingEndpoint(): Promise<string> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function fakeLambda(lambda = 'orders-real', options: LambdaTargetOptions = {}): Promise<{ fake: FakeLambda; target: LambdaTarget }> {
  const fake = await startFakeLambda();
  onTestFinished(() => fake.close());
  const target = new LambdaTarget(lambda, clientsFor(fake.endpoint), options);
  onTestFinished(() => target.close());
  return { fake, target };
}

describe('lambda target: the Invoke call', () => {
  it('invokes the configured function RequestResponse with the payload and the mapping qualifier', async () => {
    const { fake, target } = await fakeLambda();
    expectKind(await target.invoke(event, invocationContext({ qualifier: 'live' })), 'success');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ functionName: 'orders-real', qualifier: 'live', invocationType: 'RequestResponse', body: event });
  });

  it('sends no Qualifier when the FunctionArn has none', async () => {
    const { fake, target } = await fakeLambda();
    expectKind(await target.invoke(event, invocationContext({ qualifier: undefined })), 'success');
    expect(fake.requests[0]!.qualifier).toBeUndefined();
  });

  it('a qualifier in the configured value wins over the mapping one', async () => {
    const { fake, target } = await fakeLambda('arn:aws:lambda:us-east-1:123456789012:function:billing:prod');
    expectKind(await target.invoke(event, invocationContext({ qualifier: 'live' })), 'success');
    expect(fake.requests[0]).toMatchObject({ functionName: 'arn:aws:lambda:us-east-1:123456789012:function:billing:prod', qualifier: undefined });
  });

  it('is what createTarget builds for a `lambda` function', async () => {
    const fake = await startFakeLambda();
    onTestFinished(() => fake.close());
    const target = createTarget({ lambda: 'via-factory', timeout: 3 }, { baseDir: '.', clients: clientsFor(fake.endpoint), logger: capturingLogger().logger });
    onTestFinished(() => target.close());
    expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(fake.requests[0]!.functionName).toBe('via-factory');
  });
});

describe('lambda target: endpoint from the environment', () => {
  /** A lambda target built the way `sluice start` builds it: config from `env`, then createTarget. */
  function targetFromEnvironment(env: NodeJS.ProcessEnv) {
    const config = loadConfig({ env: { AWS_REGION: 'us-east-1', ...env }, cwd: tmpdir() });
    const clients = new AwsClients(config);
    onTestFinished(() => clients.destroy());
    const target = createTarget({ lambda: 'from-env', timeout: 3 }, { baseDir: '.', clients, logger: capturingLogger().logger });
    onTestFinished(() => target.close());
    return target;
  }

  it('AWS_ENDPOINT_URL_LAMBDA wins over AWS_ENDPOINT_URL', async () => {
    const fake = await startFakeLambda();
    onTestFinished(() => fake.close());
    const target = targetFromEnvironment({ AWS_ENDPOINT_URL: await refusingEndpoint(), AWS_ENDPOINT_URL_LAMBDA: fake.endpoint });
    expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(fake.requests.map((r) => r.functionName)).toEqual(['from-env']);
  });

  it('AWS_ENDPOINT_URL alone serves Lambda too', async () => {
    const fake = await startFakeLambda();
    onTestFinished(() => fake.close());
    const target = targetFromEnvironment({ AWS_ENDPOINT_URL: fake.endpoint });
    expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('lambda target: success', () => {
  it('decodes the payload and reports Lambda request id and executed version', async () => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({ body: '{"batchItemFailures":[]}', executedVersion: '7', requestId: 'req-123' }));
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(outcome).toMatchObject({ response: { batchItemFailures: [] }, responseIsJson: true, requestId: 'req-123', executedVersion: '7' });
  });

  it('an empty payload is null', async () => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({ body: '', executedVersion: '$LATEST' }));
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(outcome).toMatchObject({ response: null, responseIsJson: true });
  });

  it('a payload that is not JSON is kept as text', async () => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({ body: 'not json', executedVersion: '$LATEST' }));
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'success');
    expect(outcome).toMatchObject({ response: 'not json', responseIsJson: false });
  });
});

describe('lambda target: function errors', () => {
  it('X-Amz-Function-Error is a function error with its value, message and type', async () => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({
      functionError: 'Unhandled',
      executedVersion: '3',
      requestId: 'req-err',
      body: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: x Error: Task timed out after 3.00 seconds' }),
    }));
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({
      functionError: 'Unhandled',
      errorType: 'Sandbox.Timedout',
      errorMessage: 'RequestId: x Error: Task timed out after 3.00 seconds',
      requestId: 'req-err',
      executedVersion: '3',
    });
  });

  it('keeps a Handled function error and a non-JSON error payload', async () => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({ functionError: 'Handled', body: 'boom', executedVersion: '$LATEST' }));
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'function-error');
    expect(outcome).toMatchObject({ functionError: 'Handled', errorMessage: 'boom' });
  });

  it('no answer within the timeout plus grace is a timed-out function error', async () => {
    const { fake, target } = await fakeLambda('slow', { answerGraceMs: 100 });
    fake.answer(() => ({ delayMs: 3_000, body: '{}' }));
    const started = Date.now();
    const outcome = expectKind(await target.invoke(event, invocationContext({ timeoutMs: 200 })), 'function-error');
    expect(outcome).toMatchObject({ functionError: 'Unhandled', errorMessage: 'Task timed out after 0.20 seconds' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('lambda target: invocation errors, one attempt each (no SDK retries)', () => {
  it.each([
    [429, 'TooManyRequestsException', 'throttled', '{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}'],
    [404, 'ResourceNotFoundException', 'not-found', '{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:orders-real"}'],
    [500, 'ServiceException', 'service-error', '{"Type":"Service","Message":"internal"}'],
    [503, 'ServiceUnavailable', 'service-error', ''],
    [403, 'AccessDeniedException', 'service-error', '{"Message":"not authorized"}'],
    [502, 'KMSAccessDeniedException', 'service-error', '{"Type":"User","Message":"KMS denied"}'],
    [413, 'RequestTooLargeException', 'service-error', '{"Type":"User","message":"Request must be smaller than 6291456 bytes"}'],
  ])('%i %s is %s', async (status, errorType, reason, body) => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({ status, errorType, body }));
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome).toMatchObject({ reason, statusCode: status });
    if (errorType !== 'ServiceUnavailable') expect(outcome.errorCode).toBe(errorType);
    expect(fake.requests).toHaveLength(1);
  });

  it('connection refused is unreachable', async () => {
    const target = new LambdaTarget('orders-real', clientsFor(await refusingEndpoint()));
    onTestFinished(() => target.close());
    const outcome = expectKind(await target.invoke(event, invocationContext()), 'invocation-error');
    expect(outcome).toMatchObject({ reason: 'unreachable', errorCode: 'ECONNREFUSED' });
  });

  it('close() ends an Invoke in flight as unreachable', async () => {
    const { fake, target } = await fakeLambda();
    fake.answer(() => ({ delayMs: 5_000, body: '{}' }));
    const running = target.invoke(event, invocationContext());
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    await target.close();
    expect(expectKind(await running, 'invocation-error')).toMatchObject({ reason: 'unreachable', errorCode: 'TargetClosed' });
  });
});
