/**
 * A mapping's concurrency cap across every Sluice process (sqs.md §3): a semaphore in
 * Redis. A slot is a lease (sorted-set member scored by its expiry), renewed while held,
 * so a crashed process's slots free themselves within the lease time.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** KEYS: slots. ARGV: now, cap, expiry, token. Returns 1 when acquired. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  return 1
end
return 0
`;

export const SLOT_LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

export class ConcurrencySlots {
  private readonly held = new Set<string>();
  private renewTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
  ) {}

  /** Takes a slot if fewer than `cap` are held in total; returns its token. */
  async tryAcquire(cap: number): Promise<string | undefined> {
    const token = randomUUID();
    const now = Date.now();
    const acquired = await this.redis.eval(ACQUIRE, 1, this.key, String(now), String(cap), String(now + SLOT_LEASE_MS), token);
    if (acquired !== 1) return undefined;
    this.held.add(token);
    this.scheduleRenewal();
    return token;
  }

  async release(token: string): Promise<void> {
    this.held.delete(token);
    await this.redis.zrem(this.key, token);
  }

  private scheduleRenewal(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => {
      if (this.held.size === 0) return;
      const expiry = String(Date.now() + SLOT_LEASE_MS);
      const pipeline = this.redis.pipeline();
      for (const token of this.held) pipeline.zadd(this.key, 'XX', expiry, token);
      pipeline.exec().catch(() => undefined);
    }, RENEW_EVERY_MS);
    this.renewTimer.unref();
  }

  close(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }
}
