/**
 * ConcurrencySlots against a real Redis: a slot lasts its lease unless renewed, so a
 * frozen or dead process's slots go to the others within the lease, and the frozen
 * process learns it lost them when it resumes (sqs.md §3).
 *
 * "Frozen" is played by close(): it stops the renewals, which is what a SIGSTOP does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { ConcurrencySlots } from '../../../src/sources/sqs/concurrency-slots.js';
import { allocateRedisDb, createRedis, uniqueName } from '../../support/index.js';

const LEASE_MS = 600;
/** Well past the lease on a busy machine. */
const PAST_LEASE_MS = 1500;

let redis: Redis;
beforeAll(async () => {
  redis = createRedis({ db: await allocateRedisDb() });
});
afterAll(async () => {
  await redis.quit();
});

/** Two processes' views of one mapping's slots. */
function twoProcesses(): [ConcurrencySlots, ConcurrencySlots] {
  const key = uniqueName('slots');
  return [new ConcurrencySlots(redis, key, LEASE_MS), new ConcurrencySlots(redis, key, LEASE_MS)];
}

describe('ConcurrencySlots', () => {
  it("one timer renews every mapping's slots on a connection; a closed mapping stops, the others go on", async () => {
    const timers = vi.spyOn(globalThis, 'setInterval');
    try {
      // A lease of its own, so no other test's clock is running already.
      const lease = LEASE_MS + 1;
      const mappings = Array.from({ length: 50 }, () => uniqueName('slots'));
      const held = mappings.map((key) => new ConcurrencySlots(redis, key, lease));
      const others = mappings.map((key) => new ConcurrencySlots(redis, key, lease));
      for (const slots of held) expect(await slots.tryAcquire(1)).toBeDefined();
      expect(timers).toHaveBeenCalledTimes(1);
      held[0]!.close();
      await sleep(PAST_LEASE_MS);
      // The closed mapping's slot ran out; every other one was renewed past its lease.
      expect(await others[0]!.tryAcquire(1)).toBeDefined();
      for (const other of others.slice(1)) expect(await other.tryAcquire(1)).toBeUndefined();
      for (const slots of [...held, ...others]) slots.close();
    } finally {
      timers.mockRestore();
    }
  });

  it('a renewed slot stays taken past its lease', async () => {
    const [a, b] = twoProcesses();
    const token = await a.tryAcquire(1);
    expect(token).toBeDefined();
    await sleep(PAST_LEASE_MS);
    expect(await b.tryAcquire(1)).toBeUndefined();
    expect(await a.confirm(token!)).toBe(true);
    a.close();
  });

  it("a frozen process's slot is free for the others once its lease is over", async () => {
    const [a, b] = twoProcesses();
    await a.tryAcquire(1);
    a.close();
    expect(await b.tryAcquire(1)).toBeUndefined();
    await sleep(PAST_LEASE_MS);
    expect(await b.tryAcquire(1)).toBeDefined();
    b.close();
  });

  it('a process resuming after its slot went to another learns that it lost it', async () => {
    const [a, b] = twoProcesses();
    const token = await a.tryAcquire(1);
    a.close();
    await sleep(PAST_LEASE_MS);
    expect(await b.tryAcquire(1)).toBeDefined();
    expect(await a.confirm(token!)).toBe(false);
    b.close();
  });

  it('a process resuming after its lease ended keeps a slot nobody took, and renews it', async () => {
    const [a, b] = twoProcesses();
    const token = await a.tryAcquire(1);
    a.close();
    await sleep(PAST_LEASE_MS);
    expect(await a.confirm(token!)).toBe(true);
    expect(await b.tryAcquire(1)).toBeUndefined();
  });

  it('renewing several slots keeps the ones still held and drops the ones taken over', async () => {
    const [a] = twoProcesses();
    const kept = await a.tryAcquire(3);
    const lost = await a.tryAcquire(3);
    expect(kept && lost).toBeDefined();
    // Taken over (as once expired and cleared by another process's acquire) while a renews.
    await redis.zrem(a.key, lost!);
    await sleep(PAST_LEASE_MS);
    // Past the lease: only renewals kept `kept` there, and they let `lost` go.
    expect(Number(await redis.zscore(a.key, kept!))).toBeGreaterThan(Date.now());
    expect(await a.confirm(kept!)).toBe(true);
    expect(await a.confirm(lost!)).toBe(false);
    expect(await redis.zscore(a.key, lost!)).toBeNull();
    a.close();
  });
});
