/**
 * Redis must not evict keys: a mapping, a lease, a checkpoint or a BullMQ job evicted under
 * memory pressure is silently lost (BullMQ requires `noeviction` too). Sluice cannot fix
 * the server's policy, so it says so at start, once, at warn.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

/** `maxmemory_policy` as `INFO memory` reports it, or undefined when not reported. */
export function maxmemoryPolicyFromInfo(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/**
 * Warns when Redis reports a policy other than `noeviction`. INFO rather than CONFIG GET:
 * managed Redis services and restricted ACL users often refuse CONFIG; one that refuses
 * INFO too is not checked (said at debug), by choice: the start must not fail on a check.
 */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  let policy: string | undefined;
  try {
    policy = maxmemoryPolicyFromInfo(await redis.info('memory'));
  } catch (error) {
    logger.debug({ err: error }, `cannot read Redis' maxmemory-policy: ${(error as Error).message}`);
    return;
  }
  if (policy !== undefined && policy !== 'noeviction') {
    logger.warn(
      { maxmemoryPolicy: policy },
      `Redis' maxmemory-policy is ${policy}: under memory pressure Redis may evict mappings, leases, checkpoints or batch jobs; set maxmemory-policy noeviction`,
    );
  }
}
