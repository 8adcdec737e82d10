/** Sluice warns at start when Redis may evict its keys (README "Redis in production"). */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startTestSluice } from '../support/sluice.js';
import { startTestRedisServer } from '../support/redis-server.js';

const warningsAbout = (logs: string[]) => logs.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.msg.includes('maxmemory-policy'));

describe("Redis' eviction policy", () => {
  it('is named in a warn when it is not noeviction', async () => {
    const redis = await startTestRedisServer({ config: ['maxmemory-policy allkeys-lru'] });
    onTestFinished(() => redis.stop());
    const sluice = await startTestSluice({ redis: { url: `redis://127.0.0.1:${redis.port}/0` } });
    onTestFinished(() => sluice.stop());
    expect(warningsAbout(sluice.logs)).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "Redis' maxmemory-policy is allkeys-lru: under memory pressure Redis may evict mappings, leases, checkpoints or batch jobs; set maxmemory-policy noeviction",
      }),
    ]);
  });

  it('is not mentioned when it is noeviction (the test bed runs with it)', async () => {
    const sluice = await startTestSluice();
    onTestFinished(() => sluice.stop());
    expect(warningsAbout(sluice.logs)).toEqual([]);
  });
});
