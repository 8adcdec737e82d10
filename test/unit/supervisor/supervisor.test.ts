/**
 * The supervisor's reconcile decisions (api.md §6) for mappings that run no poller: which
 * transitional state settles to what, that it waits for every live worker to converge,
 * that a Delete removes the mapping with its bookkeeping and stream state, and that the
 * change feed triggers a reconcile.
 *
 * The supervisor builds its worker registry and runners itself (no seam to pass fakes),
 * and its store is Redis: the test starts its own redis-server (real, a few ms) rather
 * than mocking commands. Only disabled mappings are used, so no runner is ever made; the
 * AWS/pipeline dependencies throw if anything reaches them.
 */
import { streamReading } from '../../../src/sources/streams/read-settings.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Supervisor, type SupervisorOptions } from '../../../src/supervisor/supervisor.js';
import { MappingStore } from '../../../src/mappings/store.js';
import type { MappingState, StoredMapping } from '../../../src/mappings/model.js';
import { mappingKeyBase } from '../../../src/redis/keyspace.js';
import { streamKeys } from '../../../src/sources/streams/stream-keys.js';
import { createLogger } from '../../../src/observability/logger.js';
import { pollUntil } from '../../support/poll.js';
import { useLocalRedis } from '../local-redis.js';
import { storedMapping } from '../stored-mapping.js';
import { configSchema } from '../../../src/config/index.js';

/** The `streams` settings of a config that sets none. */
const defaultStreams = configSchema.parse({}).streams;

const NOW_MS = Date.UTC(2026, 11, 6, 12);
const local = useLocalRedis();
const open: { supervisor?: Supervisor } = {};
// Registered after useLocalRedis' hook, so it runs before the clients are closed.
afterEach(async () => {
  await open.supervisor?.stop();
  open.supervisor = undefined;
});

/** Nothing in these tests may reach AWS or the invoke pipeline (only disabled mappings): any use throws. */
const unreachable = (what: string): never =>
  new Proxy({}, {
    get: (_target, name) => {
      if (name === 'then') return undefined;
      throw new Error(`supervisor test: unexpected use of ${what}.${String(name)}`);
    },
  }) as never;
const sqsDependencies: SupervisorOptions['sqs'] = {
  clients: unreachable('clients'),
  pipeline: unreachable('pipeline'),
  targets: unreachable('targets'),
  defaultMaximumConcurrency: 10,
};

function mapping(uuid: string, State: MappingState, enabled: boolean, generation = 1): StoredMapping {
  return storedMapping(uuid, { State, enabled, generation, settings: { BatchSize: 10 } });
}

async function setup(options: Partial<SupervisorOptions> = {}) {
  const prefix = local.freshPrefix();
  const redis = await local.client();
  const subscriber = await local.client();
  const store = new MappingStore(redis, prefix);
  const supervisor = new Supervisor({
    store,
    redis,
    subscriber,
    prefix,
    logger: createLogger({ level: 'silent' }),
    // Long intervals: each test drives reconciles itself (start, reconcile, the change feed).
    reconcileIntervalMs: 600_000,
    heartbeatIntervalMs: 600_000,
    workerTimeoutMs: 10_000,
    shutdownTimeoutMs: 1_000,
    sqs: sqsDependencies,
    accountId: '123456789012',
    leaseMs: 10_000,
    reading: streamReading(defaultStreams),
    now: () => NOW_MS,
    ...options,
  });
  open.supervisor = supervisor;
  const stateOf = async (uuid: string) => (await store.get(uuid))?.mapping;
  const applied = (uuid: string) => redis.hgetall(`${mappingKeyBase(prefix, uuid)}:applied`);
  return { prefix, redis, subscriber, store, supervisor, stateOf, applied };
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('Supervisor', () => {
  it('settles Disabling to Disabled, Updating of a disabled mapping to Disabled, and stamps LastModified', async () => {
    const { store, supervisor, stateOf, applied } = await setup();
    await store.create(mapping(uuid(1), 'Disabling', false, 3), {});
    await store.create(mapping(uuid(2), 'Updating', false, 2), {});
    await supervisor.start();
    expect(await stateOf(uuid(1))).toMatchObject({ State: 'Disabled', LastModified: NOW_MS / 1000, generation: 3 });
    expect(await stateOf(uuid(2))).toMatchObject({ State: 'Disabled', generation: 2 });
    // The generation this worker converged on, for the other workers' settle votes.
    expect(await applied(uuid(1))).toEqual({ [supervisor.workerId]: '3' });
    expect(supervisor.runningMappings()).toEqual(new Map());
  });

  it('leaves a settled Disabled mapping as it is (no write)', async () => {
    const { store, supervisor } = await setup();
    await store.create(mapping(uuid(3), 'Disabled', false), {});
    const before = await store.get(uuid(3));
    await supervisor.start();
    expect(await store.get(uuid(3))).toEqual(before);
  });

  it('waits for every live worker to converge before settling; the last one settles', async () => {
    const { prefix, redis, store, supervisor, stateOf } = await setup();
    // Another worker is alive (fresh heartbeat) and has not converged on generation 2 yet.
    await redis.zadd(`${prefix}:workers`, Date.now(), 'other-worker');
    await redis.hset(`${mappingKeyBase(prefix, uuid(4))}:applied`, 'other-worker', '1');
    await store.create(mapping(uuid(4), 'Disabling', false, 2), {});
    await supervisor.start();
    expect((await stateOf(uuid(4)))?.State).toBe('Disabling');

    await redis.hset(`${mappingKeyBase(prefix, uuid(4))}:applied`, 'other-worker', '2');
    await supervisor.reconcile(uuid(4));
    expect((await stateOf(uuid(4)))?.State).toBe('Disabled');
  });

  it('a worker silent longer than workerTimeoutMs has no vote', async () => {
    const { prefix, redis, store, supervisor, stateOf } = await setup();
    await redis.zadd(`${prefix}:workers`, Date.now() - 20_000, 'dead-worker');
    await store.create(mapping(uuid(5), 'Disabling', false, 2), {});
    await supervisor.start();
    expect((await stateOf(uuid(5)))?.State).toBe('Disabled');
  });

  it('removes a Deleting mapping with its applied bookkeeping, SQS slots, stream state and invocation trace', async () => {
    const { prefix, redis, store, supervisor } = await setup();
    const id = uuid(6);
    await store.create(mapping(id, 'Deleting', false, 2), {});
    const keys = streamKeys(prefix, id);
    const base = mappingKeyBase(prefix, id);
    await redis.hset(keys.checkpoints, 'shard-1', '49590338271490256608559692538361571095921575989136588898');
    await redis.set(keys.pinnedLatest, 'x');
    await redis.zadd(`${base}:slots`, 1, 'slot');
    await redis.xadd(`${base}:trace`, '*', 'e', '{}');
    await supervisor.start();
    expect(await store.get(id)).toBeUndefined();
    expect(await store.all()).toEqual([]);
    expect(await redis.exists(`${base}:applied`, `${base}:slots`, keys.checkpoints, keys.pinnedLatest, `${base}:trace`)).toBe(0);
  });

  it('reconciles a mapping when the change feed announces it', async () => {
    const { store, supervisor, stateOf } = await setup();
    await store.create(mapping(uuid(7), 'Disabled', false, 1), {});
    await supervisor.start();
    const current = (await store.get(uuid(7)))!;
    // What an Update with Enabled unchanged does: Updating, next generation; the store publishes the UUID.
    expect(await store.replace(current, { ...current.mapping, State: 'Updating', generation: 2 })).toEqual({ ok: true });
    await pollUntil(async () => (await stateOf(uuid(7)))?.State === 'Disabled', { timeoutMs: 5_000, intervalMs: 20, description: 'mapping settled after the change feed' });
    expect((await stateOf(uuid(7)))?.generation).toBe(2);
  });

  it('a full reconcile reads again only the mappings whose generation it has not converged on (issue #13: idle cost)', async () => {
    const { store, subscriber, supervisor, stateOf } = await setup();
    for (const n of [11, 12, 13]) await store.create(mapping(uuid(n), 'Disabled', false, 1), {});
    await supervisor.start();
    const get = vi.spyOn(store, 'get');
    await supervisor.reconcileAll();
    // Steady, converged on: store.all()'s snapshot is enough.
    expect(get).not.toHaveBeenCalled();

    // A change whose notification this process missed: the snapshot's generation is new to it.
    await subscriber.unsubscribe();
    const current = (await store.get(uuid(12)))!;
    await store.replace(current, { ...current.mapping, State: 'Disabling', generation: 2 });
    get.mockClear();
    await supervisor.reconcileAll();
    expect(new Set(get.mock.calls.map(([id]) => id))).toEqual(new Set([uuid(12)]));
    expect((await stateOf(uuid(12)))?.State).toBe('Disabled');
  });

  it('runs beforeReconcile before every full reconcile; when it fails nothing is reconciled', async () => {
    const calls: string[] = [];
    let fail = true;
    const { store, supervisor, stateOf } = await setup({
      beforeReconcile: () => {
        calls.push('check');
        return fail ? Promise.reject(new Error('store lost')) : Promise.resolve();
      },
    });
    await store.create(mapping(uuid(8), 'Disabling', false), {});
    await supervisor.start();
    expect(calls).toEqual(['check']);
    expect((await stateOf(uuid(8)))?.State).toBe('Disabling');
    fail = false;
    await supervisor.reconcileAll();
    expect(calls).toEqual(['check', 'check']);
    expect((await stateOf(uuid(8)))?.State).toBe('Disabled');
  });

  it('does nothing before start and after stop', async () => {
    const { store, supervisor, stateOf } = await setup();
    await store.create(mapping(uuid(9), 'Disabling', false), {});
    await supervisor.reconcile(uuid(9));
    expect((await stateOf(uuid(9)))?.State).toBe('Disabling');
    expect(supervisor.isRunning).toBe(false);
    await supervisor.start();
    expect(supervisor.isRunning).toBe(true);
    await supervisor.stop();
    expect(supervisor.isRunning).toBe(false);
    const current = (await store.get(uuid(9)))!;
    await store.replace(current, { ...current.mapping, State: 'Disabling', generation: 5 });
    await supervisor.reconcile(uuid(9));
    expect((await stateOf(uuid(9)))?.State).toBe('Disabling');
  });
});
