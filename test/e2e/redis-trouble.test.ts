/**
 * Redis trouble (issue #10): an API that answers while Redis is down, a store that Redis
 * lost noticed and said, a shutdown bounded whatever Redis does.
 */
import { describe, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, ListEventSourceMappingsCommand, ServiceException } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, getEndpoints } from '../support/index.js';
import { startTestSluice } from '../support/sluice.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

/** A Sluice reaching its Redis through a proxy the test can cut. */
async function sluiceBehindProxy(overrides: Record<string, unknown> = {}) {
  const redis = getEndpoints().redis;
  const proxy = await startTcpProxy(redis.port, redis.host);
  const sluice = await startTestSluice({ redis: { url: `redis://127.0.0.1:${proxy.port}/${await allocateRedisDb()}` }, ...overrides }).catch(
    async (error: unknown) => {
      await proxy.close();
      throw error;
    },
  );
  // Sluice stops while it can reach Redis again, then the proxy goes.
  onTestFinished(async () => {
    if (!proxy.isOpen) await proxy.restore();
    await sluice.stop();
    await proxy.close();
  });
  return { sluice, proxy };
}

describe('Redis down', () => {
  for (const trouble of ['refused', 'frozen'] as const) {
    it(`Create, Get and List answer 503 ServiceException within about 2 s (Redis ${trouble})`, async ({ expect }) => {
      const queue = await createQueue();
      onTestFinished(queue.cleanup);
      const { sluice, proxy } = await sluiceBehindProxy();
      if (trouble === 'refused') await proxy.cut();
      else proxy.stall();
      onTestFinished(() => proxy.unstall());

      const calls = {
        create: () => sluice.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'my-function', EventSourceArn: queue.queueArn })),
        get: () => sluice.lambda.send(new GetEventSourceMappingCommand({ UUID: '6f4a8e1c-0000-4000-8000-000000000000' })),
        list: () => sluice.lambda.send(new ListEventSourceMappingsCommand({})),
      };
      for (const [name, call] of Object.entries(calls)) {
        const started = Date.now();
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        const elapsed = Date.now() - started;
        expect(error, name).toBeInstanceOf(ServiceException);
        expect((error as ServiceException).$metadata.httpStatusCode, name).toBe(503);
        expect((error as Error).message, name).toMatch(/^Sluice's store \(Redis\) is unavailable: /);
        expect(elapsed, `${name} answered after ${elapsed} ms`).toBeLessThan(2_500);
      }
    });
  }
});
