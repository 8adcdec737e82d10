/**
 * createSluiceClient (loadtest/sluice-client.ts) against a plain HTTP server playing Sluice:
 * requests are signed (SigV4, service lambda, the endpoints' region), the trace cursor is
 * passed and returned, and refusals become errors that say what to do.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSluiceClient, SluiceClientError, TRACE_PAGE } from '../../../src/loadtest/sluice-client.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

type Answer = { status: number; body: string; headers?: Record<string, string> };

async function serve(answer: (request: IncomingMessage) => Answer): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  server = createServer((request, response) => {
    seen.push(request);
    const { status, body, headers = {} } = answer(request);
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const KEY = { accessKeyId: 'AKIDCLIENT', secretAccessKey: 's' };
const UUID = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';

describe('createSluiceClient', () => {
  it('signs the trace read for lambda in the region and follows the cursor', async () => {
    const entry = { at: 1, ids: ['a'], outcome: 'success', attempt: 1 };
    const { url, seen } = await serve(() => ({ status: 200, body: JSON.stringify({ Entries: [entry], NextCursor: '5-0' }) }));
    const client = createSluiceClient({ region: 'eu-west-3', lambda: url, credentials: KEY });
    expect(await client.readTrace(UUID)).toEqual({ entries: [entry], cursor: '5-0' });
    await client.readTrace(UUID, '5-0');
    const [first, second] = seen;
    expect(first!.url).toBe(`/sluice/v1/event-source-mappings/${UUID}/trace?limit=${TRACE_PAGE}`);
    expect(second!.url).toBe(`/sluice/v1/event-source-mappings/${UUID}/trace?limit=${TRACE_PAGE}&cursor=5-0`);
    expect(first!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCLIENT\/\d{8}\/eu-west-3\/lambda\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(first!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('without static credentials, signs with the default chain (here the environment)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'env-token');
    const { url, seen } = await serve(() => ({ status: 200, body: '# metrics' }));
    expect(await createSluiceClient({ region: 'us-east-1', lambda: url }).readMetrics()).toBe('# metrics');
    expect(seen[0]!.url).toBe('/metrics');
    expect(seen[0]!.headers.authorization).toMatch(/Credential=AKIDFROMENV\/\d{8}\/us-east-1\/lambda\/aws4_request/);
    expect(seen[0]!.headers['x-amz-security-token']).toBe('env-token');
  });

  it('keeps the cursor it was given when the answer has none', async () => {
    const { url } = await serve(() => ({ status: 200, body: JSON.stringify({ Entries: [], NextCursor: null }) }));
    const client = createSluiceClient({ region: 'us-east-1', lambda: url, credentials: KEY });
    expect(await client.readTrace(UUID, '9-1')).toEqual({ entries: [], cursor: '9-1' });
    expect(await client.readTrace(UUID)).toEqual({ entries: [], cursor: undefined });
  });

  it('a 403 says the credentials were refused', async () => {
    const { url } = await serve(() => ({
      status: 403,
      body: JSON.stringify({ message: 'The security token included in the request is invalid.' }),
      headers: { 'x-amzn-errortype': 'UnrecognizedClientException' },
    }));
    const error = await createSluiceClient({ region: 'us-east-1', lambda: url, credentials: KEY }).readMetrics().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceClientError);
    expect(error).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });
    expect((error as Error).message).toMatch(/security token included.*refused the credentials.*api\.auth\.keys/);
  });

  it('a 404 tells an unknown mapping from an endpoint without the route', async () => {
    const { url } = await serve((request) =>
      request.url!.startsWith('/sluice/')
        ? { status: 404, body: JSON.stringify({ Type: 'User', Message: 'The resource you requested does not exist.' }), headers: { 'x-amzn-errortype': 'ResourceNotFoundException' } }
        : { status: 404, body: 'Not Found' },
    );
    const client = createSluiceClient({ region: 'us-east-1', lambda: url, credentials: KEY });
    await expect(client.readTrace(UUID)).rejects.toThrow(/does not exist.*mapping does not exist/);
    await expect(client.readMetrics()).rejects.toThrow(/no such route/);
  });
});
