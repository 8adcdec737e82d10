/**
 * A mapping's concurrency cap across every Sluice process (sqs.md §3): a semaphore in
 * Redis. A slot is a lease (sorted-set member scored by its expiry), renewed while held,
 * so a crashed or frozen process's slots free themselves within the lease.
 *
 * The lease is the worker registry's `supervisor.workerTimeoutMs`: once a silent process
 * counts as dead, the supervisors hand its share of the cap to the others, and its slots
 * must be free by then or that share cannot be used. (With a fixed 30 s lease, a process
 * stopped with SIGSTOP kept its slots 20-30 s after the others had taken over its share.)
 *
 * A process frozen for longer than the lease finds, when it resumes, that its slots may
 * have gone to others: renewal drops the slots Redis no longer holds, and `confirm` asks
 * Redis before the next receive, so a resumed process does not invoke beyond the cap.
 *
 * The other holder is the batch job: a live process's slot stays taken while the batch
 * job it submitted runs, in any process's worker. If that worker is the frozen one, the
 * batch is still in flight (its target may be running it) until BullMQ finds the job
 * stalled and runs it elsewhere: its lock is `streams.leaseMs` (app.ts `jobLockMs`), found
 * within 1.5 times that. The slot rightly stays taken until then. Measured with two
 * processes (test/e2e/sqs-stopped-worker.test.ts), the live one reaches the full cap
 * after the other froze in: 11.5 s with the defaults (slots 5 s, job locks 10 s); 4 s with
 * workerTimeoutMs 2 s and leaseMs 3 s; 29 s there with the former fixed 30 s slot lease.
 *
 * Its Lua scripts live in this module: the slots are the only Redis state of an SQS
 * mapping, so this is the one module of that store's scripts (issue #12 accepts one
 * module per store; the others: mappings/redis-scripts.ts, sources/streams/redis-scripts.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

/** KEYS: slots. ARGV: now, cap, expiry, token. Returns 1 when acquired. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  return 1
end
return 0
`;

/** Renewals per lease: a slot survives two missed renewals. */
const RENEWALS_PER_LEASE = 3;

export class ConcurrencySlots {
  /** Tokens held, with when their lease ends as last written. */
  private readonly held = new Map<string, number>();
  private readonly renewEveryMs: number;
  /** Leaves the process's renewal clock; set while this mapping renews. */
  private renewing?: () => void;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly leaseMs: number,
  ) {
    this.renewEveryMs = Math.max(100, Math.floor(leaseMs / RENEWALS_PER_LEASE));
  }

  /** Takes a slot if fewer than `cap` are held in total; returns its token. */
  async tryAcquire(cap: number): Promise<string | undefined> {
    const token = randomUUID();
    const now = Date.now();
    const expiry = now + this.leaseMs;
    const acquired = await this.redis.eval(ACQUIRE, 1, this.key, String(now), String(cap), String(expiry), token);
    if (acquired !== 1) return undefined;
    this.held.set(token, expiry);
    this.scheduleRenewal();
    return token;
  }

  /**
   * Whether the slot is still this process's. Answered from memory while its lease has
   * more than a renewal period left; past that (the process was frozen, or renewals
   * failed) Redis decides, and a slot still there is renewed. When Redis cannot answer,
   * the slot is assumed held: a Redis outage stops nothing by itself.
   */
  async confirm(token: string): Promise<boolean> {
    const expiry = this.held.get(token);
    if (expiry === undefined) return false;
    if (expiry - Date.now() > this.renewEveryMs) return true;
    await this.renew([token]).catch(() => undefined);
    return this.held.has(token);
  }

  async release(token: string): Promise<void> {
    this.held.delete(token);
    await this.redis.zrem(this.key, token);
  }

  /**
   * Renews the tokens still in the set; the others are lost (taken over once expired). An
   * expired token still in the set is renewed: no slot was taken since it expired (taking
   * one removes expired tokens first), so the cap holds.
   *
   * One command per renewal however many slots are held (issue #13: idle mappings renew
   * their slots forever): ZADD XX renews only tokens still there and CH counts them.
   * Only when it renewed fewer than it was given does a ZMSCORE say which are gone (a
   * token whose expiry did not change, same millisecond, counts as not renewed there and
   * is found present).
   */
  private async renew(tokens: string[], via: RenewalBatch = this.redis): Promise<void> {
    const expiry = Date.now() + this.leaseMs;
    // A callback, not the returned value: a pipeline's commands answer only through theirs.
    const renewed = await new Promise<number>((resolve, reject) => {
      void via.zadd(this.key, 'XX', 'CH', ...tokens.flatMap((token) => [expiry, token]), (error?: Error | null, count?: number) =>
        error ? reject(error) : resolve(Number(count)),
      );
    });
    const gone = new Set<string>();
    if (renewed < tokens.length) {
      const scores = await this.redis.zmscore(this.key, ...tokens);
      tokens.forEach((token, i) => scores[i] === null && gone.add(token));
    }
    for (const token of tokens) {
      if (!this.held.has(token)) continue; // released meanwhile
      if (gone.has(token)) this.held.delete(token);
      else this.held.set(token, expiry);
    }
  }

  private scheduleRenewal(): void {
    if (this.renewing) return;
    this.renewing = renewalClock(this.redis, this.renewEveryMs).join((batch) => {
      if (this.held.size > 0) this.renew([...this.held.keys()], batch).catch(() => undefined);
    });
  }

  close(): void {
    this.renewing?.();
    this.renewing = undefined;
  }
}

/** Where a tick's renewals are written: a pipeline, or the client itself on a Redis Cluster. */
type RenewalBatch = Redis | ChainableCommander;

/**
 * One timer per process (per Redis connection and period) renews the slots of every
 * mapping (issue #13: with 1,000 idle mappings, a timer each woke the process 600 times a
 * second). Each renewal is its own command on its own key. On one Redis server the
 * renewals of a tick go out as one pipeline, one socket write: sent one by one, 1,000 idle
 * mappings' renewals cost 1.5 % of a core, most of it in a write system call per command
 * (CPU profile of `npm run bench`'s idle row). On a Redis Cluster the mappings' keys lie in
 * different slots, which one ioredis pipeline cannot span, so there they are sent one by one.
 */
class RenewalClock {
  private readonly members = new Set<(batch: RenewalBatch) => void>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly everyMs: number,
  ) {}

  /** Calls `renew` every period, with where to write, until the returned function is called. */
  join(renew: (batch: RenewalBatch) => void): () => void {
    this.members.add(renew);
    if (!this.timer) {
      this.timer = setInterval(() => {
        const pipeline = this.redis.isCluster ? undefined : this.redis.pipeline();
        for (const member of this.members) member(pipeline ?? this.redis);
        // Each command's own callback settles its renewal, failures included; exec's answer adds nothing.
        if (pipeline && pipeline.length > 0) pipeline.exec().catch(() => undefined);
      }, this.everyMs);
      this.timer.unref();
    }
    return () => {
      this.members.delete(renew);
      if (this.members.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }
}

const clocks = new WeakMap<Redis, Map<number, RenewalClock>>();

function renewalClock(redis: Redis, everyMs: number): RenewalClock {
  let byPeriod = clocks.get(redis);
  if (!byPeriod) clocks.set(redis, (byPeriod = new Map<number, RenewalClock>()));
  let clock = byPeriod.get(everyMs);
  if (!clock) byPeriod.set(everyMs, (clock = new RenewalClock(redis, everyMs)));
  return clock;
}
