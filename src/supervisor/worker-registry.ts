/**
 * Live workers (processes running a supervisor) and what each has converged on. Every
 * worker heartbeats into one sorted set; one silent for `workerTimeoutMs` counts as dead,
 * so its share of SQS concurrency and its vote on settling pass to the others.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { mappingStateKeys, workerInfoKey, workersKey } from '../redis/keyspace.js';

/** A live worker as the dashboard and the shards view show it. */
export interface WorkerInfo {
  workerId: string;
  host: string;
  pid: number;
  /** Its last heartbeat, epoch ms (its own clock). */
  lastSeen: number;
}

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

  /**
   * Heartbeats and returns the live workers (sorted), this one included. Host and pid are
   * written again with each heartbeat (one HSET more in the same MULTI, chosen): a Redis that
   * lost its data learns them back within a heartbeat, with no separate registration step.
   */
  async heartbeat(): Promise<string[]> {
    const now = Date.now();
    const [, , live] = ((await this.redis
      .multi()
      .zadd(this.workersKey, now, this.workerId)
      .zremrangebyscore(this.workersKey, '-inf', now - this.workerTimeoutMs * 10)
      .zrangebyscore(this.workersKey, now - this.workerTimeoutMs, '+inf')
      .hset(workerInfoKey(this.prefix), this.workerId, JSON.stringify({ host: hostname(), pid: process.pid }))
      .exec()) ?? []) as [unknown, unknown, [Error | null, string[]]];
    this.liveCache = [...(live?.[1] ?? [this.workerId])].sort();
    return this.liveCache;
  }

  /** Live workers as of the last heartbeat. */
  get live(): readonly string[] {
    return this.liveCache.length > 0 ? this.liveCache : [this.workerId];
  }

  async leave(): Promise<void> {
    await this.redis.multi().zrem(this.workersKey, this.workerId).hdel(workerInfoKey(this.prefix), this.workerId).exec();
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

/**
 * The workers that heartbeated within `workerTimeoutMs`, oldest id first, with host and pid.
 * Info of workers gone from the registry (pruned there after 10 timeouts) is deleted here
 * (chosen: the heartbeat's MULTI cannot know which members its ZREMRANGEBYSCORE removed),
 * so the info hash stays as small as the registry.
 */
export async function readLiveWorkers(redis: Redis, prefix: string, workerTimeoutMs: number): Promise<WorkerInfo[]> {
  const now = Date.now();
  const [[, scored], [, info]] = ((await redis.multi().zrange(workersKey(prefix), '0', '-1', 'WITHSCORES').hgetall(workerInfoKey(prefix)).exec()) ?? []) as [
    [Error | null, string[]],
    [Error | null, Record<string, string>],
  ];
  const seen = new Map<string, number>();
  for (let i = 0; i + 1 < (scored ?? []).length; i += 2) seen.set(scored[i]!, Number(scored[i + 1]));
  const gone = Object.keys(info ?? {}).filter((id) => !seen.has(id));
  if (gone.length > 0) await redis.hdel(workerInfoKey(prefix), ...gone);
  const workers: WorkerInfo[] = [];
  for (const [workerId, lastSeen] of seen) {
    if (lastSeen < now - workerTimeoutMs) continue;
    const parsed = parseInfo(info?.[workerId]);
    workers.push({ workerId, host: parsed.host, pid: parsed.pid ?? Number(/^(\d+)-/.exec(workerId)?.[1] ?? 0), lastSeen });
  }
  return workers.sort((a, b) => a.workerId.localeCompare(b.workerId));
}

function parseInfo(text: string | undefined): { host: string; pid?: number } {
  try {
    const value = JSON.parse(text ?? '') as { host?: unknown; pid?: unknown };
    return { host: typeof value.host === 'string' ? value.host : 'unknown', ...(typeof value.pid === 'number' ? { pid: value.pid } : {}) };
  } catch {
    // A worker of a Sluice before host info was written: its id still starts with its pid.
    return { host: 'unknown' };
  }
}
