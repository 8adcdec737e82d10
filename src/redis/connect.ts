/**
 * Sluice's own Redis connections (the store, the supervisor's change feed). BullMQ opens
 * its own (src/pipeline), which must keep waiting on blocking commands; these must not:
 * a command that Redis does not answer within `REDIS_COMMAND_TIMEOUT_MS` fails, so an
 * API call answers 503 instead of hanging while Redis is down or frozen.
 */
import type { Redis } from 'ioredis';
import { createRedisClient } from './create-client.js';
import { describeConnectionFailure } from './redis-errors.js';
import type { RedisTarget } from './connection-options.js';

/** A command without an answer for this long fails ("no answer in time"). */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;
/** One TCP connect attempt. */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** The first connection at start, reconnect attempts included. */
const FIRST_CONNECTION_TIMEOUT_MS = 10_000;

/** Why Sluice could not reach Redis at start. */
export class RedisConnectError extends Error {
  override name = 'RedisConnectError';
}

/**
 * Connects (reconnecting on its own later) or fails with `Cannot connect to Redis at
 * <url>: connection refused (host:port)`, `...: WRONGPASS invalid username-password pair`
 * and the like (the URL without its password).
 */
export async function connectRedis(target: RedisTarget, connectionName: string): Promise<Redis> {
  const redis = createRedisClient(
    target,
    {
      connectionName,
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      // Commands issued while reconnecting wait for it (bounded by commandTimeout); after 3
      // failed attempts they fail at once.
      maxRetriesPerRequest: 3,
    },
    { lazyConnect: true },
  );
  let lastError: Error | undefined;
  // ioredis reconnects on its own; later failures surface through the commands.
  redis.on('error', (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), FIRST_CONNECTION_TIMEOUT_MS))),
    ]);
    return redis;
  } catch (error) {
    redis.disconnect();
    // connect() only says "Connection is closed."; the socket error said why.
    const { host, port } = (target.clusterNodes?.[0] ?? target.options.sentinels?.[0] ?? target.options) as { host: string; port: number };
    const reason = lastError
      ? describeConnectionFailure(lastError, host, port, REDIS_CONNECT_TIMEOUT_MS)
      : (error as Error).message === 'timeout'
        ? `no answer within ${FIRST_CONNECTION_TIMEOUT_MS} ms (${host}:${port})`
        : describeConnectionFailure(error as Error, host, port, REDIS_CONNECT_TIMEOUT_MS);
    throw new RedisConnectError(`Cannot connect to Redis at ${target.description}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}
