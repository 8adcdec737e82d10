/**
 * `POST /sluice/v1/functions/{name}/invocations` (api/invocation-routes.ts), what
 * `sluice redrive` invokes through: signed like the Lambda API under api.auth sigv4, one
 * attempt at the function's target, the outcome in the answer, errors in Lambda's shape, and
 * an invocation for a mapping counted under the mapping's labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createStream, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { createSignedFetch } from '../../src/aws/signed-fetch.js';
import { SluiceApi, SluiceApiError } from '../../src/redrive/sluice-api.js';

const KEY = { accessKeyId: 'AKIDREDRIVE', secretAccessKey: 'redrive-secret' };
let target: RecordingTarget;
let sluice: TestSluice;
let api: SluiceApi;
/** The mapping the first test creates (invocations name one). */
let mappingId = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  target = await startRecordingTarget();
  target.respondWith((request) => ((request.body as { fail?: boolean } | undefined)?.fail ? { status: 500, json: { errorMessage: 'asked to fail', errorType: 'Asked' } } : { json: { batchItemFailures: [] } }));
  sluice = await startTestSluice({
    api: { host: '127.0.0.1', port: 0, auth: { mode: 'sigv4', keys: { [KEY.accessKeyId]: KEY.secretAccessKey } } },
    functions: { fn: { http: target.url, timeout: 3 } },
  });
  api = new SluiceApi({ endpoint: sluice.url, region: 'us-east-1', credentials: KEY });
});
afterAll(async () => {
  api?.close();
  await sluice?.stop();
  await target?.close();
});

describe('POST /sluice/v1/functions/{name}/invocations', () => {
  it("invokes the function's target once with the body as the event and answers the outcome; counted under the mapping", async () => {
    const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
    const stream = await createStream();
    const mapping = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'LATEST', Enabled: false }));
    lambda.destroy();
    mappingId = mapping.UUID!;
    const seen = target.requests.length;
    const answer = await api.invoke(mapping.FunctionArn!, mapping.UUID!, '{"Records":[{"n":1}]}');
    expect(answer).toMatchObject({ FunctionArn: mapping.FunctionArn, Outcome: 'success', Response: { batchItemFailures: [] }, ResponseIsJson: true });
    expect(target.requests.slice(seen).map((r) => r.rawBody)).toEqual(['{"Records":[{"n":1}]}']);

    const failed = await api.invoke('fn', mapping.UUID!, '{"fail":true}');
    expect(failed).toMatchObject({ Outcome: 'function-error', FunctionError: 'Unhandled', ErrorMessage: 'asked to fail' });
    // /metrics needs a signature too under sigv4.
    const signed = createSignedFetch({ endpoint: sluice.url, region: 'us-east-1', credentials: KEY });
    expect(await (await signed({ method: 'GET', path: '/metrics' })).text()).toMatch(new RegExp(`sluice_invocation_errors_total\\{[^}]*mapping="${mapping.UUID!}"[^}]*\\} 1`));
    await stream.cleanup();
  });

  it("errors in Lambda's shape: an unknown function or mapping 404, a body that is not JSON 400, an unsigned call 403", async () => {
    await expect(api.invoke('nope', '00000000-0000-4000-8000-000000000000', '{}')).rejects.toThrow(/answered 404 ResourceNotFoundException: Function not found: nope/);
    await expect(api.invoke('fn', '00000000-0000-4000-8000-000000000000', '{}')).rejects.toThrow(/answered 404 ResourceNotFoundException: The resource you requested does not exist/);
    await expect(api.invoke('fn', '00000000-0000-4000-8000-000000000000', 'not json')).rejects.toThrow(/answered 400 InvalidRequestContentException: Could not parse request body into json/);
    const unsigned = await fetch(`${sluice.url}/sluice/v1/functions/fn/invocations`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    const wrongKey = new SluiceApi({ endpoint: sluice.url, region: 'us-east-1', credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' } });
    await expect(wrongKey.invoke('fn', '00000000-0000-4000-8000-000000000000', '{}')).rejects.toBeInstanceOf(SluiceApiError);
    wrongKey.close();
  });

  it('an API-only process (supervisor off, no pipeline) invokes the target itself', async () => {
    const apiOnly = await startTestSluice({
      api: { host: '127.0.0.1', port: 0, auth: { mode: 'sigv4', keys: { [KEY.accessKeyId]: KEY.secretAccessKey } } },
      supervisor: { enabled: false },
      functions: { fn: { http: target.url, timeout: 3 } },
      redis: { url: sluice.config.redis.url },
    });
    const client = new SluiceApi({ endpoint: apiOnly.url, region: 'us-east-1', credentials: KEY });
    try {
      const seen = target.requests.length;
      expect((await client.invoke('fn', mappingId, '{"Records":[{"n":2}]}')).Outcome).toBe('success');
      expect(target.requests.slice(seen).map((r) => r.rawBody)).toEqual(['{"Records":[{"n":2}]}']);
    } finally {
      client.close();
      await apiOnly.stop();
    }
  });

  it('takes a payload above the API’s 1 MiB body limit (an invocation may carry 6 MB)', async () => {
    const big = `{"Records":[{"data":"${'x'.repeat(2 * 1024 * 1024)}"}]}`;
    const seen = target.requests.length;
    const answer = await api.invoke('fn', mappingId, big);
    expect(answer.Outcome).toBe('success');
    expect(target.requests.slice(seen).map((r) => r.rawBody.length)).toEqual([big.length]);
  });
});
