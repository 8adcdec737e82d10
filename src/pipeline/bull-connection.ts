/**
 * BullMQ's connections to Sluice's Redis, from the same RedisTarget as Sluice's own
 * (src/redis/connection-options.ts): blocking commands must not give up, and reconnecting
 * tries every 2 s at most, so batches run again within about 2 s of Redis coming back
 * (BullMQ's own strategy backs off to 20 s).
 *
 * For one server (or Sentinel) BullMQ gets options and owns its connections. For Redis
 * Cluster it needs a `Cluster` instance (its queue prefix is `{<keyPrefix>}`, one slot,
 * src/redis/keyspace.ts); BullMQ never closes an instance it was given, so `release`
 * does, once the BullMQ object using it has closed. Each BullMQ object gets its own: a
 * QueueEvents' blocking XREAD must not hold up another's commands.
 */
import type { Cluster } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import type { RedisTarget } from '../redis/connection-options.js';
import { createRedisClient } from '../redis/create-client.js';

export interface BullConnection {
  connection: ConnectionOptions;
  /** Drops the Cluster instance (nothing for one server: BullMQ closes its own). */
  release: () => void;
}

const reconnectDelay = (attempt: number) => Math.min(attempt * 250, 2_000);

export function bullConnection(redis: RedisTarget): BullConnection {
  const nodeOptions = { maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
  if (!redis.clusterNodes) return { connection: { ...redis.options, ...nodeOptions }, release: () => undefined };
  const cluster = createRedisClient(redis, nodeOptions, { clusterRetryStrategy: reconnectDelay }) as unknown as Cluster;
  return { connection: cluster, release: () => cluster.disconnect() };
}
