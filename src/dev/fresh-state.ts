/**
 * `sluice dev --fresh`: the sandbox starts empty. Its own data (Redis' append-only file,
 * kinesis-local's and DynamoDB Local's data under .sluice/data/) is removed; on a Redis of
 * the user's (--redis-url, SLUICE_REDIS_URL) only Sluice's keys (`<keyPrefix>:*`) are
 * deleted, never the rest of that Redis. fauxqs keeps nothing across restarts anyway.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/index.js';
import { connectAtStartup, startupRedisTarget } from '../app.js';
import { configuredKeyspacePrefix } from '../redis/keyspace.js';
import { redactRedisUrl } from '../redis/connection-options.js';
import { SANDBOX_DIR } from './state-file.js';

export const DATA_DIR_NAME = 'data';

/** Where the sandbox keeps what its emulators store across restarts. */
export function sandboxDataDirs(cwd: string): { root: string; redis: string; kinesis: string; dynamodb: string } {
  const root = path.join(cwd, SANDBOX_DIR, DATA_DIR_NAME);
  return { root, redis: path.join(root, 'redis'), kinesis: path.join(root, 'kinesis'), dynamodb: path.join(root, 'dynamodb') };
}

/** Removes the sandbox's data folder; one line saying what was dropped. */
export function dropSandboxData(cwd: string): string {
  const { root } = sandboxDataDirs(cwd);
  fs.rmSync(root, { recursive: true, force: true });
  return `Started fresh (--fresh): removed ${path.relative(cwd, root)} (Redis, kinesis-local and DynamoDB Local data)`;
}

/** Deletes Sluice's keys from a Redis the sandbox did not start; one line saying how many. */
export async function dropSluiceKeys(config: LoadedConfig): Promise<string> {
  if (config.redis.cluster !== undefined) {
    return 'Not fresh in Redis (--fresh): the keys of a Redis Cluster are not deleted by the sandbox; delete them yourself';
  }
  const pattern = `${configuredKeyspacePrefix(config.redis)}:*`;
  const redis: Redis = await connectAtStartup(startupRedisTarget(config), 'sluice-dev-fresh');
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return `Started fresh (--fresh): deleted ${deleted} keys ${pattern} in ${redactRedisUrl(config.redis.url)}`;
}
