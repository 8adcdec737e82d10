/**
 * Live workers (processes running a supervisor) and what each has converged on. Every
 * worker heartbeats into one sorted set; one silent for `workerTimeoutMs` counts as dead,
 * so its share of SQS concurrency and its vote on settling pass to the others.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { mappingStateKeys, workersKey } from '../redis/keyspace.js';

export class WorkerRegistry {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private liveCache: string[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly workerTimeoutMs: number,
  ) {}

  private get workersKey() {
    return workersKey(this.prefix);
  }
  private appliedKey = (uuid: string) => mappingStateKeys(this.prefix, uuid).applied;

  /** Heartbeats and returns the live workers (sorted), this one included. */
  async heartbeat(): Promise<string[]> {
    const now = Date.now();
    const [, , live] = ((await this.redis
      .multi()
      .zadd(this.workersKey, now, this.workerId)
      .zremrangebyscore(this.workersKey, '-inf', now - this.workerTimeoutMs * 10)
      .zrangebyscore(this.workersKey, now - this.workerTimeoutMs, '+inf')
      .exec()) ?? []) as [unknown, unknown, [Error | null, string[]]];
    this.liveCache = [...(live?.[1] ?? [this.workerId])].sort();
    return this.liveCache;
  }

  /** Live workers as of the last heartbeat. */
  get live(): readonly string[] {
    return this.liveCache.length > 0 ? this.liveCache : [this.workerId];
  }

  async leave(): Promise<void> {
    await this.redis.zrem(this.workersKey, this.workerId);
  }

  /** This worker runs the mapping as of `generation`. */
  async markApplied(uuid: string, generation: number): Promise<void> {
    await this.redis.hset(this.appliedKey(uuid), this.workerId, String(generation));
  }

  /** Whether every live worker has converged on `generation` of the mapping. */
  async allApplied(uuid: string, generation: number): Promise<boolean> {
    const applied = await this.redis.hgetall(this.appliedKey(uuid));
    return this.live.every((worker) => Number(applied[worker] ?? 0) >= generation);
  }

  /** Forgets a removed mapping's bookkeeping. */
  async forget(uuid: string, ...extraKeys: string[]): Promise<void> {
    await this.redis.del(this.appliedKey(uuid), ...extraKeys);
  }
}
