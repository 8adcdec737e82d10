/**
 * Opens an ioredis client for a RedisTarget: a `Redis` for one server (or through
 * Sentinel), a `Cluster` for Redis Cluster. Sluice's connections and BullMQ's are made
 * here, so both follow `redis.cluster` alike.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './connection-options.js';

/** Settings of the client as a whole (not of each node's connection). */
export interface ClientSettings {
  lazyConnect?: boolean;
  /** Delay before the next attempt to reach the cluster (Cluster only). */
  clusterRetryStrategy?: ClusterOptions['clusterRetryStrategy'];
}

/**
 * The client, typed as `Redis` for every caller: ioredis' `Cluster` answers the same
 * commands (Sluice uses only commands, scripts, MULTI and pub/sub, each on keys of one
 * slot, src/redis/keyspace.ts), so the components need not know which one they got.
 */
export function createRedisClient(target: RedisTarget, connection: RedisOptions, client: ClientSettings = {}): Redis {
  if (!target.clusterNodes) return new Redis({ ...target.options, ...connection, ...(client.lazyConnect ? { lazyConnect: true } : {}) });
  return new Cluster(target.clusterNodes, {
    redisOptions: { ...target.options, ...connection },
    ...(client.lazyConnect ? { lazyConnect: true } : {}),
    ...(client.clusterRetryStrategy ? { clusterRetryStrategy: client.clusterRetryStrategy } : {}),
    // Commands keep their own bound (commandTimeout); a slot moving is followed at once.
    retryDelayOnMoved: 0,
  }) as unknown as Redis;
}
