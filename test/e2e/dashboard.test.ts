/**
 * The dashboard (`GET /`) in a real browser: headless Chromium (Debian's `chromium`) through
 * playwright-core, against a Sluice with SigV4 and a browser credential, as an operator
 * would run it. A mapping created through the API appears; its counts move after records
 * are sent (activity is flushed to Redis every 10 s, the page refreshes every 3 s); a
 * failing function's cause is shown with its mapping's failures; a Kinesis mapping's shards
 * table shows its shards with their lease holder. Without the credential the page is not
 * served.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Browser, Page } from 'playwright-core';
import { createQueue, createStream, startRecordingTarget, type RecordingTarget } from '../support/index.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/endpoints.js';
import { sendMessages } from '../support/sqs-helpers.js';
import { startTestSluice, type TestSluice } from '../support/sluice.js';
import { launchChromium } from '../support/browser.js';

const BROWSER = { username: 'operator', password: 'dashboard-pass' };

let okTarget: RecordingTarget;
let failingTarget: RecordingTarget;
let sluice: TestSluice;
let lambda: LambdaClient;
let browser: Browser;

beforeAll(async () => {
  okTarget = await startRecordingTarget();
  failingTarget = await startRecordingTarget({ status: 503, json: { message: 'orders database unavailable' } });
  sluice = await startTestSluice({
    api: { host: '127.0.0.1', port: 0, auth: { mode: 'sigv4', keys: { [TEST_CREDENTIALS.accessKeyId]: TEST_CREDENTIALS.secretAccessKey }, browser: BROWSER } },
    functions: { 'orders-handler': { http: okTarget.url, timeout: 3 }, 'billing-handler': { http: failingTarget.url, timeout: 1 } },
    streams: { leaseMs: 3000, idlePollMs: 100, minReadIntervalMs: 0 },
  });
  lambda = new LambdaClient({ endpoint: sluice.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  lambda?.destroy();
  await sluice?.stop();
  await Promise.all([okTarget?.close(), failingTarget?.close()]);
});

async function openDashboard(): Promise<Page> {
  const context = await browser.newContext({ httpCredentials: BROWSER, viewport: { width: 1400, height: 1000 } });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const response = await page.goto(`${sluice.url}/`);
  expect(response?.status()).toBe(200);
  return page;
}

/** The text of a mapping's count cell (`in`, `invoked`, `filtered`, `failed`) as a number. */
async function countOf(page: Page, uuid: string, count: string): Promise<number> {
  const text = await page.locator(`#mappings tr[data-mapping="${uuid}"] td[data-count="${count}"]`).textContent();
  return Number((text ?? '').replace(/,/g, ''));
}

describe('the dashboard in a browser', () => {
  it('is not served without the browser credential', async () => {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    // Headless, no one can answer the Basic challenge: the navigation fails on the 401.
    await expect((await context.newPage()).goto(`${sluice.url}/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    expect((await fetch(`${sluice.url}/sluice/v1/dashboard`)).status).toBe(403);
  });

  it('shows a new mapping, its counts moving after records are sent, and a failing function with its cause', async () => {
    const page = await openDashboard();
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const { UUID } = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'orders-handler', EventSourceArn: queue.queueArn, BatchSize: 10 }));
    const uuid = UUID!;
    // The mapping appears by itself (the page refreshes), with no traffic yet.
    const row = page.locator(`#mappings tr[data-mapping="${uuid}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('td').first().textContent(), { timeout: 15_000 }).toBe('Enabled');
    expect(await row.textContent()).toContain('orders-handler');
    expect(await countOf(page, uuid, 'invoked')).toBe(0);

    await sendMessages(queue.queueUrl, Array.from({ length: 7 }, (_, i) => `order ${i}`));
    await okTarget.waitForRequests(1, 15_000);
    // Counts are flushed every 10 s, then drawn at the next refresh.
    await expect.poll(() => countOf(page, uuid, 'invoked'), { timeout: 30_000, interval: 500 }).toBe(7);
    expect(await countOf(page, uuid, 'in')).toBe(7);
    expect(await countOf(page, uuid, 'failed')).toBe(0);
    expect(await page.locator('#tile-invoked .value').textContent()).not.toBe('0');

    // A function that fails: its cause (the HTTP status) and the target's words are shown.
    const failingQueue = await createQueue({ attributes: { VisibilityTimeout: '2' } });
    onTestFinished(failingQueue.cleanup);
    const failing = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'billing-handler', EventSourceArn: failingQueue.queueArn, BatchSize: 1 }));
    await sendMessages(failingQueue.queueUrl, ['invoice 1']);
    const failure = page.locator(`#failures tr[data-failure="${failing.UUID}"]`).first();
    await failure.waitFor({ timeout: 20_000 });
    const failureText = await failure.textContent();
    expect(failureText).toContain('http_5xx');
    expect(failureText).toContain('billing-handler');
    expect(failureText).toContain('503');
    await expect
      .poll(() => page.locator(`#mappings tr[data-mapping="${failing.UUID}"]`).textContent(), { timeout: 20_000 })
      .toContain('PROBLEM: Function call failed');
    await expect.poll(() => countOf(page, failing.UUID!, 'failed'), { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
  }, 120_000);

  it("shows a Kinesis mapping's shards with their lease holder and checkpoint", async () => {
    const page = await openDashboard();
    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'orders-handler', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON' }),
    );
    const rows = page.locator(`#shards tr[data-mapping="${UUID}"]`);
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-shard')))).sort()).toEqual(stream.shardIds);
    // Held by this process: its worker id is shown as the holder, and in the workers table.
    const workerId = await page.locator('#workers tr[data-worker]').first().getAttribute('data-worker');
    expect(workerId).toMatch(new RegExp(`^${process.pid}-`));
    await expect
      .poll(async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.children[4]?.textContent))).every((holder) => holder === workerId), { timeout: 20_000 })
      .toBe(true);
    for (const shardId of stream.shardIds) expect(await page.locator(`#shards tr[data-shard="${shardId}"] .badge`).textContent()).toBe('OPEN');
  }, 60_000);
});
