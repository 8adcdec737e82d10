/**
 * Who may call the API (README "Authentication", issue #11): SigV4 verified with the
 * configured keys, Lambda's 403 errors for everyone else, open probes, /metrics and the
 * operator routes behind a signature or the browser credential, /ui behind the browser
 * credential, and the secure-by-default start on a non-loopback host.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { allocateRedisDb, createQueue } from '../support/index.js';
import { startTestSluice, waitForState, type TestSluice } from '../support/sluice.js';
import { SLUICE_BIN, sluiceEnvironment } from '../support/sluice-process.js';
import { getFreePort } from '../support/ports.js';
import { TEST_REGION } from '../support/endpoints.js';

const KEY = { accessKeyId: 'AKIDSLUICETEST', secretAccessKey: 'the-right-secret/with+chars' };
const BROWSER = { username: 'operator', password: 'browser-pass' };
const sigv4 = (extra: Record<string, unknown> = {}) => ({
  api: { host: '127.0.0.1', port: 0, auth: { mode: 'sigv4', keys: { [KEY.accessKeyId]: KEY.secretAccessKey }, ...extra } },
});

const lambdaFor = (url: string, credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new LambdaClient({ endpoint: url, region: TEST_REGION, credentials, maxAttempts: 1 });

/** The same hash as node's, for signing by hand (the signer's `sha256` constructor). */
class Sha256 {
  private readonly parts: Uint8Array[] = [];
  constructor(private readonly secret?: unknown) {}
  update(data: Uint8Array) {
    this.parts.push(data);
  }
  async digest() {
    const { createHmac } = await import('node:crypto');
    const data = Buffer.concat(this.parts);
    return this.secret === undefined ? createHash('sha256').update(data).digest() : createHmac('sha256', this.secret as Buffer).update(data).digest();
  }
}

/** A request signed by the SDK's signer, sent with fetch: for the cases an SDK client never produces. */
async function signedFetch(
  url: string,
  options: { method?: string; path: string; body?: string; sendBody?: string; signingDate?: Date; applyChecksum?: boolean; region?: string; service?: string; credentials?: typeof KEY },
) {
  const { hostname, port } = new URL(url);
  const [path, rawQuery] = options.path.split('?') as [string, string | undefined];
  const query = Object.fromEntries(new URLSearchParams(rawQuery ?? ''));
  const signer = new SignatureV4({
    credentials: options.credentials ?? KEY,
    region: options.region ?? TEST_REGION,
    service: options.service ?? 'lambda',
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? true,
  });
  const signed = await signer.sign(
    {
      method: options.method ?? 'GET',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path,
      query,
      headers: { host: `${hostname}:${port}`, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(options.body !== undefined ? { body: options.body } : {}),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const sent = options.sendBody ?? options.body;
  return fetch(`${url}${options.path}`, {
    method: options.method ?? 'GET',
    headers: Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host')),
    ...(sent !== undefined ? { body: sent } : {}),
  });
}

const basic = ({ username, password }: typeof BROWSER) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('api.auth.mode sigv4', () => {
  let sluice: TestSluice;
  let client: LambdaClient;
  beforeAll(async () => {
    sluice = await startTestSluice(sigv4({ browser: BROWSER }));
    client = lambdaFor(sluice.url, KEY);
  });
  afterAll(async () => {
    client?.destroy();
    await sluice?.stop();
  });

  it('an SDK client with a configured key manages mappings and tags (URL-encoded ARNs, query strings)', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const created = await client.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn, BatchSize: 5, Tags: { team: 'a b/c' } }));
    const uuid = created.UUID!;
    expect((await client.send(new GetEventSourceMappingCommand({ UUID: uuid }))).BatchSize).toBe(5);
    const listed = await client.send(new ListEventSourceMappingsCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn, MaxItems: 7 }));
    expect(listed.EventSourceMappings?.map((m) => m.UUID)).toEqual([uuid]);
    await waitForState(client, uuid, 'Enabled');
    expect((await client.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 3 }))).BatchSize).toBe(3);

    const arn = created.EventSourceMappingArn!;
    await client.send(new TagResourceCommand({ Resource: arn, Tags: { 'k:1': 'v=1', 'k 2': 'v+2' } }));
    expect((await client.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'a b/c', 'k:1': 'v=1', 'k 2': 'v+2' });
    await client.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['k:1', 'k 2'] }));
    expect((await client.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'a b/c' });

    await waitForState(client, uuid, 'Enabled');
    expect((await client.send(new DeleteEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Deleting');
  });

  it('a wrong secret is InvalidSignatureException, an unknown key UnrecognizedClientException, both 403; the secret is never logged', async () => {
    const wrongSecret = lambdaFor(sluice.url, { accessKeyId: KEY.accessKeyId, secretAccessKey: 'not-the-secret' });
    const unknownKey = lambdaFor(sluice.url, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: KEY.secretAccessKey });
    onTestFinished(() => {
      wrongSecret.destroy();
      unknownKey.destroy();
    });
    const refused = (promise: Promise<unknown>) => promise.then(() => expect.fail('accepted'), (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => error);

    const bad = await refused(wrongSecret.send(new ListEventSourceMappingsCommand({})));
    expect([bad.name, bad.$metadata.httpStatusCode]).toEqual(['InvalidSignatureException', 403]);
    expect(bad.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    const unknown = await refused(unknownKey.send(new ListEventSourceMappingsCommand({})));
    expect([unknown.name, unknown.$metadata.httpStatusCode, unknown.message]).toEqual(['UnrecognizedClientException', 403, 'The security token included in the request is invalid.']);

    const withSessionToken = lambdaFor(sluice.url, { ...KEY, sessionToken: 'left-over-session-token' } as typeof KEY);
    onTestFinished(() => withSessionToken.destroy());
    const session = await refused(withSessionToken.send(new ListEventSourceMappingsCommand({})));
    expect([session.name, session.$metadata.httpStatusCode]).toEqual(['UnrecognizedClientException', 403]);

    const refusals = sluice.logs.filter((line) => line.includes('API request refused'));
    expect(refusals.some((line) => line.includes('"callerAccessKeyId":"AKIDUNKNOWN"') && line.includes('"level":40'))).toBe(true);
    expect(sluice.logs.join('\n')).not.toContain(KEY.secretAccessKey);
  });

  it('an unsigned request is refused with 403 in Lambda\'s shape', async () => {
    const response = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    // Nor can it learn whether a mapping exists (V1 runs after the signature check).
    const put = await fetch(`${sluice.url}/2015-03-31/event-source-mappings/00000000-0000-0000-0000-000000000000`, { method: 'PUT', body: '{}' });
    expect([put.status, put.headers.get('x-amzn-errortype')]).toEqual([403, 'MissingAuthenticationTokenException']);
  });

  it('a signature dated 20 minutes ago is expired; 14 minutes ago is still accepted', async () => {
    const path = '/2015-03-31/event-source-mappings/?MaxItems=5';
    const stale = await signedFetch(sluice.url, { path, signingDate: new Date(Date.now() - 20 * 60_000) });
    expect([stale.status, stale.headers.get('x-amzn-errortype')]).toEqual([403, 'InvalidSignatureException']);
    expect(((await stale.json()) as { message: string }).message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const early = await signedFetch(sluice.url, { path, signingDate: new Date(Date.now() + 20 * 60_000) });
    expect(((await early.json()) as { message: string }).message).toMatch(/^Signature not yet current: /);
    expect((await signedFetch(sluice.url, { path, signingDate: new Date(Date.now() - 14 * 60_000) })).status).toBe(200);
  });

  it('a body changed after signing is refused, with and without x-amz-content-sha256', async () => {
    const body = JSON.stringify({ FunctionName: 'my-function', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' });
    const tampered = body.replace('nope', 'other');
    for (const applyChecksum of [true, false]) {
      const response = await signedFetch(sluice.url, { method: 'POST', path: '/2015-03-31/event-source-mappings/', body, sendBody: tampered, applyChecksum });
      expect([applyChecksum, response.status, response.headers.get('x-amzn-errortype')]).toEqual([applyChecksum, 403, 'InvalidSignatureException']);
      // The untampered body passes the signature check (and then fails on the queue, V39).
      const honest = await signedFetch(sluice.url, { method: 'POST', path: '/2015-03-31/event-source-mappings/', body, applyChecksum });
      expect([honest.status, honest.headers.get('x-amzn-errortype')]).toEqual([400, 'InvalidParameterValueException']);
    }
  });

  it('a credential scoped to another region or service is refused', async () => {
    const path = '/2015-03-31/event-source-mappings/';
    const region = await signedFetch(sluice.url, { path, region: 'eu-west-1' });
    expect([region.status, ((await region.json()) as { message: string }).message]).toEqual([403, "Credential should be scoped to a valid region, not 'eu-west-1'. "]);
    const service = await signedFetch(sluice.url, { path, service: 'sqs' });
    expect([service.status, ((await service.json()) as { message: string }).message]).toEqual([403, "Credential should be scoped to correct service: 'lambda'. "]);
  });

  it('/healthz and /readyz stay open; /metrics and /sluice/v1/store need a signature or the browser credential', async () => {
    expect((await fetch(`${sluice.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${sluice.url}/readyz`)).status).toBe(200);
    for (const path of ['/metrics', '/sluice/v1/store']) {
      expect([path, (await fetch(`${sluice.url}${path}`)).status]).toEqual([path, 403]);
      expect([path, (await signedFetch(sluice.url, { path })).status]).toEqual([path, 200]);
      expect([path, (await fetch(`${sluice.url}${path}`, { headers: { authorization: basic(BROWSER) } })).status]).toEqual([path, 200]);
      expect([path, (await fetch(`${sluice.url}${path}`, { headers: { authorization: basic({ ...BROWSER, password: 'wrong' }) } })).status]).toEqual([path, 401]);
    }
  });

  it('/ui and its API answer 401 with a Basic challenge unless the browser credential comes along; a signature is not enough', async () => {
    for (const path of ['/ui', '/ui/api/queues', '/ui/api/redis/stats']) {
      const anonymous = await fetch(`${sluice.url}${path}`);
      expect([path, anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([path, 401, 'Basic realm="sluice", charset="UTF-8"']);
      expect([path, (await signedFetch(sluice.url, { path })).status]).toEqual([path, 401]);
      expect([path, (await fetch(`${sluice.url}${path}`, { headers: { authorization: basic({ ...BROWSER, username: 'other' }) } })).status]).toEqual([path, 401]);
      expect([path, (await fetch(`${sluice.url}${path}`, { headers: { authorization: basic(BROWSER) } })).status]).toEqual([path, 200]);
    }
  });

  // The AWS CLI (botocore signs, not the JS SDK): `.ci/run` installs Debian's awscli, so CI
  // always runs this; on a machine without `aws` the SDK and raw signed requests above
  // cover the same ground.
  it.skipIf(spawnSync('aws', ['--version']).status !== 0)('the AWS CLI (when on PATH) lists mappings and tags with a configured key, and is refused with a wrong one', async () => {
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const created = await client.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn, Tags: { via: 'sdk' } }));
    onTestFinished(async () => {
      await waitForState(client, created.UUID!, 'Enabled');
      await client.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID! }));
    });
    // Asynchronously: this process serves the API the CLI calls.
    const env = (secret: string) => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_DEFAULT_REGION: TEST_REGION,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_MAX_ATTEMPTS: '1',
    });
    // Asynchronously: this process serves the API the CLI calls.
    const aws = (secret: string, ...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const argv = ['lambda', ...args, '--endpoint-url', sluice.url, '--output', 'json'];
        execFile('aws', argv, { encoding: 'utf8', timeout: 30_000, env: env(secret) }, (error, stdout, stderr) =>
          resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
        ).stdin?.end();
      });
    const listed = await aws(KEY.secretAccessKey, 'list-event-source-mappings', '--function-name', 'my-function', '--event-source-arn', queue.queueArn);
    expect([listed.status, listed.stderr]).toEqual([0, '']);
    expect((JSON.parse(listed.stdout) as { EventSourceMappings: { UUID: string }[] }).EventSourceMappings.map((m) => m.UUID)).toEqual([created.UUID]);
    const tags = await aws(KEY.secretAccessKey, 'list-tags', '--resource', created.EventSourceMappingArn!);
    expect([tags.status, JSON.parse(tags.stdout || '{}')]).toEqual([0, { Tags: { via: 'sdk' } }]);
    const refused = await aws('wrong-secret', 'list-event-source-mappings');
    expect(refused.status).not.toBe(0);
    // CLI v1 and v2 word the line differently around the code ("reached max retries" in v2).
    expect(refused.stderr).toMatch(/\(InvalidSignatureException\) when calling the ListEventSourceMappings operation.*: The request signature we calculated does not match/);
  });

  it('a real browser (chromium) opens /ui with the browser credential and is refused without it', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
    onTestFinished(() => browser.close());

    const withCredential = await browser.newContext({ httpCredentials: BROWSER });
    const page = await withCredential.newPage();
    const dashboardApi: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/ui/api/')) dashboardApi.push(response.status());
    });
    const queuesAnswer = page.waitForResponse((response) => response.url().includes('/ui/api/queues'), { timeout: 15_000 });
    const response = await page.goto(`${sluice.url}/ui`);
    expect(response?.status()).toBe(200);
    // The dashboard's own script calls its API with the credential the browser holds.
    expect((await queuesAnswer).status()).toBe(200);
    expect(await page.evaluate(async () => (await fetch('/ui/api/redis/stats')).status)).toBe(200);
    expect(dashboardApi.length).toBeGreaterThan(0);
    expect(dashboardApi.every((status) => status === 200)).toBe(true);

    const without = await browser.newContext();
    // Headless, no one can answer the Basic challenge: the navigation fails on the 401.
    await expect((await without.newPage()).goto(`${sluice.url}/ui`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
  });
});

describe('api.auth settings around sigv4', () => {
  it('without a browser credential /ui is refused (403), never served; openMetrics opens /metrics only', async () => {
    const sluice = await startTestSluice(sigv4({ openMetrics: true }));
    onTestFinished(() => sluice.stop());
    const ui = await fetch(`${sluice.url}/ui`);
    expect(ui.status).toBe(403);
    expect(await ui.text()).toContain('api.auth.browser');
    expect((await fetch(`${sluice.url}/ui/api/redis/stats`)).status).toBe(403);
    // The dashboard page is guarded exactly like /ui; its data like the other /sluice/v1 routes.
    expect((await fetch(`${sluice.url}/`)).status).toBe(403);
    expect((await fetch(`${sluice.url}/sluice/v1/dashboard`)).status).toBe(403);
    expect((await fetch(`${sluice.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${sluice.url}/sluice/v1/store`)).status).toBe(403);
    expect((await fetch(`${sluice.url}/2015-03-31/event-source-mappings/`)).status).toBe(403);
  });

  it('in mode none a configured browser credential still guards /ui; the API and /metrics stay open', async () => {
    const sluice = await startTestSluice({ api: { host: '127.0.0.1', port: 0, auth: { mode: 'none', browser: BROWSER } } });
    onTestFinished(() => sluice.stop());
    expect((await fetch(`${sluice.url}/ui/api/redis/stats`)).status).toBe(401);
    expect((await fetch(`${sluice.url}/ui/api/redis/stats`, { headers: { authorization: basic(BROWSER) } })).status).toBe(200);
    expect((await fetch(`${sluice.url}/`)).status).toBe(401);
    expect((await fetch(`${sluice.url}/`, { headers: { authorization: basic(BROWSER) } })).status).toBe(200);
    expect((await fetch(`${sluice.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${sluice.url}/2015-03-31/event-source-mappings/`)).status).toBe(200);
  });

  it('mode none on a non-loopback host starts, with a warning', async () => {
    const sluice = await startTestSluice({ api: { host: '0.0.0.0', port: 0, auth: { mode: 'none' } } });
    onTestFinished(() => sluice.stop());
    expect((await fetch(`http://127.0.0.1:${sluice.port}/2015-03-31/event-source-mappings/`)).status).toBe(200);
    expect(sluice.logs.some((line) => line.includes('"level":40') && line.includes('api.auth.mode is none on 0.0.0.0'))).toBe(true);
  });

  it('`sluice start` on a non-loopback host without api.auth.mode exits 2 with one line saying how to fix it', async () => {
    const env = sluiceEnvironment(await allocateRedisDb(), await getFreePort(), { SLUICE_API_HOST: '0.0.0.0' });
    const result = spawnSync(process.execPath, [SLUICE_BIN, 'start'], { env, encoding: 'utf8', timeout: 50_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'sluice: api.host 0.0.0.0 is reachable beyond this machine but api.auth.mode is not set: set api.auth.mode: sigv4 with api.auth.keys ' +
        '(SLUICE_API_AUTH_MODE=sigv4 SLUICE_API_AUTH_KEYS=<access key id>:<secret>), or api.auth.mode: none (SLUICE_API_AUTH_MODE=none) to let anyone who reaches the port call the API',
    ]);
  });
});
