/**
 * The operator views on the API server: GET /ui (the BullMQ dashboard of the queue
 * `invoke`), queue depths in GET /metrics, and the health endpoints.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openInvokeQueue } from '../../src/pipeline/index.js';
import { redisTarget } from '../../src/redis/connection-options.js';
import { pollUntil } from '../support/poll.js';
import { startTestSluice, startTestSluiceBehindProxy, type TestSluice } from '../support/sluice.js';
import { scrapeMetrics } from '../support/prometheus.js';

let sluice: TestSluice;
beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('operator views', () => {
  it('GET /ui serves the queue dashboard, its assets and its API over the queue invoke', async ({ expect }) => {
    const page = await fetch(`${sluice.url}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<base href="/ui/"');
    const stylesheet = /href="(static\/css\/[^"]+\.css)"/.exec(html)?.[1];
    expect(stylesheet).toBeDefined();
    expect((await fetch(`${sluice.url}/ui/${stylesheet}`)).status).toBe(200);

    const api = await fetch(`${sluice.url}/ui/api/queues`);
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(queues.map((q) => [q.name, q.readOnlyMode])).toEqual([['invoke', true]]);
  });

  it('GET /metrics reports the queue depths by state, read at scrape time', async ({ expect, onTestFinished }) => {
    const response = await fetch(`${sluice.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const before = await scrapeMetrics(sluice.url);
    expect(before.value('sluice_pipeline_jobs', { state: 'delayed' })).toBe(0);

    // A job far in the future (never run): the gauge reads it from Redis.
    const queue = openInvokeQueue(redisTarget(sluice.config.redis), sluice.config.redis.keyPrefix);
    onTestFinished(() => queue.close());
    const job = await queue.add('probe', { mappingId: 'probe', source: 'sqs', functionArn: 'probe', payload: '{}', recordCount: 0 }, { delay: 3_600_000 });
    const during = await scrapeMetrics(sluice.url);
    expect(during.value('sluice_pipeline_jobs', { state: 'delayed' })).toBe(1);
    expect(during.value('sluice_pipeline_jobs', { state: 'waiting' })).toBe(0);

    await job.remove();
    expect((await scrapeMetrics(sluice.url)).value('sluice_pipeline_jobs', { state: 'delayed' })).toBe(0);
  });

  it('GET /readyz is ready while Redis answers, not ready while it does not; GET /healthz answers throughout', async ({ expect, onTestFinished }) => {
    const { sluice: cutOff, proxy, stop } = await startTestSluiceBehindProxy();
    onTestFinished(stop);
    const readyz = async () => {
      const response = await fetch(`${cutOff.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
    };
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });

    await proxy.cut();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not ready');
    expect((await fetch(`${cutOff.url}/healthz`)).status).toBe(200);

    await proxy.restore();
    await pollUntil(async () => (await readyz()).status === 200, { description: 'ready again once Redis answers' });
  });
});
