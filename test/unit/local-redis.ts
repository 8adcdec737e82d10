/**
 * A redis-server of the test file's own, for unit tests of modules whose collaborator is
 * Redis itself (the mapping store, the worker registry): real Redis, not a mock, started
 * in a few ms without the emulator test bed, so `npm run test:unit` and `npm run mutate`
 * can run them. Each call of `client()` is a fresh connection, closed after each test.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { startTestRedisServer, type TestRedisServer } from '../support/redis-server.js';

export interface LocalRedis {
  /** A connected client; quit after the test. */
  client(): Promise<Redis>;
  /** A key prefix no other test of the file uses. */
  freshPrefix(): string;
}

export function useLocalRedis(): LocalRedis {
  let server: TestRedisServer | undefined;
  const clients: Redis[] = [];
  let prefixes = 0;
  beforeAll(async () => {
    server = await startTestRedisServer();
  }, 30_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => undefined)));
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    async client() {
      if (!server) throw new Error('useLocalRedis: the server is not started (call client() inside a test)');
      const redis = server.client({ retryStrategy: () => 50 });
      clients.push(redis);
      await redis.connect();
      return redis;
    },
    freshPrefix: () => `t${++prefixes}`,
  };
}
