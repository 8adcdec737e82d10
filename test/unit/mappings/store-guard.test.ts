/**
 * The store guard (src/mappings/store-guard.ts) on a redis-server of this file's own: a
 * loss is logged at error with what was lost, recorded for /readyz, and onLost runs once;
 * an intact store says nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StoreGuard } from '../../../src/mappings/store-guard.js';
import { StoreMarker } from '../../../src/mappings/store-marker.js';
import { createLogger } from '../../../src/observability/logger.js';
import { storeKeys } from '../../../src/redis/keyspace.js';
import { captureLogs } from '../log-capture.js';
import { useLocalRedis } from '../local-redis.js';

const local = useLocalRedis();
const SQS_ID = '00000000-0000-4000-8000-000000000001';
const STREAM_ID = '00000000-0000-4000-8000-000000000002';
const guards: StoreGuard[] = [];
afterEach(() => {
  for (const guard of guards.splice(0)) guard.stop();
});

/** `failure`: what onLost rejects with (the app's re-apply failing). */
async function setup(running: Map<string, string> = new Map(), failure?: Error) {
  const redis = await local.client();
  const prefix = local.freshPrefix();
  const keys = storeKeys(prefix);
  const { logger, lines } = captureLogs();
  const lost: number[] = [];
  const guard = new StoreGuard({
    marker: new StoreMarker(redis, prefix, keys.order),
    redis,
    logger,
    intervalMs: 600_000,
    workerId: 'w1',
    runningHere: () => running,
    onLost: () => {
      lost.push(Date.now());
      return failure ? Promise.reject(failure) : Promise.resolve();
    },
  });
  guards.push(guard);
  return { redis, prefix, keys, guard, lines, lost };
}

describe('StoreGuard', () => {
  it('joins a new store, then finds it intact; no loss, ready', async () => {
    const { guard, lines, lost } = await setup();
    const identity = await guard.start();
    expect(guard.identity).toEqual(identity);
    expect(lines.map((l) => l.msg)).toEqual([
      'new store: no Sluice data in Redis yet (a first start, or Redis lost its data while no Sluice process ran)',
    ]);
    expect(await guard.check()).toBe('intact');
    expect(lost).toEqual([]);
    expect(await guard.unacknowledgedLoss()).toBeUndefined();
  });

  it('a second process joins the same store', async () => {
    const first = await setup();
    const identity = await first.guard.start();
    const second = new StoreGuard({
      marker: new StoreMarker(first.redis, first.prefix, first.keys.order),
      redis: first.redis,
      logger: createLogger({ level: 'silent' }),
      intervalMs: 600_000,
      workerId: 'w2',
      onLost: () => Promise.resolve(),
    });
    guards.push(second);
    expect(await second.start()).toEqual(identity);
  });

  it('a flushed store: one error naming the lost mappings and stream state, onLost once, /readyz reason until acknowledged', async () => {
    const running = new Map([[SQS_ID, 'sqs'], [STREAM_ID, 'kinesis']]);
    const { redis, keys, guard, lines, lost } = await setup(running);
    const joined = await guard.start();
    await redis.del(keys.marker);
    expect(await guard.check()).toBe('lost');
    await expect.poll(() => lost.length).toBe(1);

    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ lostStoreId: joined.id, mappingsLost: 2, mappingIds: [SQS_ID, STREAM_ID], newStoreId: guard.identity!.id });
    expect(errors[0]!.msg).toBe(
      `Redis lost Sluice's store ${joined.id} (created ${new Date(joined.createdAt).toISOString()}; it restarted without persistence, was flushed or evicted keys): ` +
        `2 mappings gone with their tags (${SQS_ID}, ${STREAM_ID}); this process ran 2 of them, whose pollers stop, ` +
        `and lost the checkpoints and shard leases of 1 stream mapping(s) (${STREAM_ID}); SQS messages in flight come back after their visibility timeout; ` +
        'declared mappings are re-applied now; /readyz answers 503 until an operator acknowledges with POST /sluice/v1/store/ack or `sluice store ack`',
    );
    expect(guard.identity!.id).not.toBe(joined.id);

    const reason = await guard.unacknowledgedLoss();
    expect(reason).toMatch(new RegExp(`^Redis lost Sluice's store ${joined.id} \\(detected \\S+Z by worker w1; 2 mappings gone: ${SQS_ID}, ${STREAM_ID}\\); acknowledge with POST /sluice/v1/store/ack or \`sluice store ack\`$`));

    // The new store is intact from now on: no second loss.
    expect(await guard.check()).toBe('intact');
    expect(lost).toHaveLength(1);
  });

  it('a loss with nothing running says "0 mappings gone" and "none"', async () => {
    const { redis, keys, guard, lines } = await setup();
    await guard.start();
    await redis.del(keys.marker);
    await guard.check();
    expect(lines.find((l) => l.level === 50)!.msg).toMatch(/: 0 mappings gone with their tags; this process ran 0 of them, whose pollers stop; SQS/);
    expect(await guard.unacknowledgedLoss()).toMatch(/; 0 mappings gone: none\); /);
  });

  it('before start nothing is known', async () => {
    const { guard } = await setup();
    expect(await guard.check()).toBe('unknown');
  });

  it('a reconnect triggers a check at once; after stop it does not', async () => {
    const { redis, keys, guard, lost } = await setup();
    await guard.start();
    await redis.del(keys.marker);
    redis.emit('ready');
    await expect.poll(() => lost.length).toBe(1);
    guard.stop();
    await redis.del(keys.marker);
    redis.emit('ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lost).toHaveLength(1);
  });

  it('a second process logs that it joined the existing store', async () => {
    const first = await setup();
    const identity = await first.guard.start();
    const { logger, lines } = captureLogs();
    const second = new StoreGuard({ marker: new StoreMarker(first.redis, first.prefix, first.keys.order), redis: first.redis, logger, intervalMs: 600_000, workerId: 'w2', onLost: () => Promise.resolve() });
    guards.push(second);
    await second.start();
    expect(lines.map((l) => [l.msg, l.storeId, l.storeCreatedAt])).toEqual([['joined store', identity.id, new Date(identity.createdAt).toISOString()]]);
  });

  it('one mapping lost is "1 mapping", and a failing onLost is logged at error', async () => {
    const { redis, keys, guard, lines } = await setup(new Map([[SQS_ID, 'sqs']]), new Error('re-apply failed'));
    await guard.start();
    await redis.del(keys.marker);
    await guard.check();
    await expect.poll(() => lines.filter((l) => l.level === 50).length).toBe(2);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors[0]!.msg).toMatch(/: 1 mapping gone with their tags \(0{8}-0{4}-4000-8000-0{11}1\); this process ran 1 of them, whose pollers stop; SQS/);
    expect(errors[1]!.msg).toBe('recovering from the lost store failed');
    expect(await guard.unacknowledgedLoss()).toMatch(/; 1 mapping gone: 0{8}-/);
  });
});
