/**
 * Each mapping's activity over the last 15 minutes, shared by every process so that any
 * process's dashboard shows the whole cluster: records in (polled), records invoked,
 * records filtered out and failed invocation attempts, in 10 s buckets; and the mapping's
 * latest explained failures (the rate-limited warnings that name mapping, function and
 * cause), newest first.
 *
 * Redis cost (chosen, as issue #15 asks: bounded whatever the traffic): a process counts in
 * memory and flushes every 10 s, one pipeline per mapping that had activity: an HINCRBY per
 * count and bucket (at most 4 counts × 2 buckets per flush) and one EXPIRE, into the hash
 * of the minute (`<activity>:<minute start>`, fields `<count>:<slot 0-5>`). Per-minute hashes
 * (not one per bucket, not one per mapping) so the 15 minutes are 16 HGETALLs to read and
 * each hash expires as a whole after 20 minutes: nothing to trim, and a deleted mapping's
 * counts disappear by themselves. 10 s buckets give the charts 90 points; a flush every
 * 10 s makes a busy mapping cost its Redis about one pipeline per 10 s per process,
 * however many batches it runs. Per mapping rather than one pipeline for all: on Redis
 * Cluster each mapping's keys live in its own slot (src/redis/keyspace.ts).
 *
 * Failures: one LPUSH + LTRIM (the last 20) + EXPIRE (a day) per line the rate-limited
 * warnings write (observability/rate-limited-warnings.ts): the first of a kind at once,
 * then at most a count line per minute per mapping and cause, so a failing mapping costs
 * at most a few commands a minute.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { mappingStateKeys } from '../redis/keyspace.js';
import type { Logger } from './logger.js';
import { RateLimitedWarnings, type LoggedWarning } from './rate-limited-warnings.js';

export const ACTIVITY_COUNTS = ['in', 'invoked', 'filtered', 'failed'] as const;
/** in: records read (polled); invoked: records in invocation attempts; filtered: records no filter matched; failed: attempts that did not succeed. */
export type ActivityCount = (typeof ACTIVITY_COUNTS)[number];

export const ACTIVITY_BUCKET_MS = 10_000;
export const ACTIVITY_WINDOW_MS = 15 * 60_000;
const MINUTE_MS = 60_000;
/** Minute hashes outlive the window by a few minutes (a reader at the window's edge still finds them). */
const ACTIVITY_TTL_SECONDS = 20 * 60;
export const DEFAULT_FLUSH_INTERVAL_MS = 10_000;
/** Failures kept per mapping (chosen: a screenful). */
export const FAILURES_KEPT = 20;
/** A mapping nobody failed on for a day loses its failure list (chosen: deleted mappings leave nothing for long). */
const FAILURES_TTL_SECONDS = 24 * 3600;

export interface ActivityFailure {
  /** Epoch ms. */
  at: number;
  /** Which process wrote it: `<host> pid <pid>`. */
  process: string;
  level: 'warn' | 'error';
  /** The cause as in the metrics (`handler_error`, `connection_refused`, `ExpiredIteratorException`...). */
  cause: string | null;
  function: string | null;
  /** The log line's message. */
  message: string;
  /** For a count line: how many more times it happened in its interval. */
  repeats?: number;
}

export interface ActivitySeries {
  /** Start of the first bucket, epoch ms. */
  start: number;
  bucketMs: number;
  /** One number per bucket, oldest first, for each count. */
  counts: Record<ActivityCount, number[]>;
}

type Buckets = Map<number, Record<ActivityCount, number>>;

const zeroCounts = (): Record<ActivityCount, number> => ({ in: 0, invoked: 0, filtered: 0, failed: 0 });

export interface ActivityRecorderOptions {
  redis: Redis;
  prefix: string;
  logger: Logger;
  flushIntervalMs?: number;
}

export class ActivityRecorder {
  /** Counts not yet flushed: mapping -> bucket start -> counts. */
  private pending = new Map<string, Buckets>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly warnings: RateLimitedWarnings;
  private readonly processName = `${hostname()} pid ${process.pid}`;

  constructor(private readonly options: ActivityRecorderOptions) {
    this.warnings = new RateLimitedWarnings(options.logger);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Flushes what is left (a stopping process's last 10 s count too). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.warnings.close();
  }

  count(mappingId: string, count: ActivityCount, n: number, now = Date.now()): void {
    if (n <= 0) return;
    let buckets = this.pending.get(mappingId);
    if (!buckets) this.pending.set(mappingId, (buckets = new Map<number, Record<ActivityCount, number>>()));
    const bucket = now - (now % ACTIVITY_BUCKET_MS);
    let counts = buckets.get(bucket);
    if (!counts) buckets.set(bucket, (counts = zeroCounts()));
    counts[count] += n;
  }

  /** A warning line that names a mapping (RateLimitedWarnings' `onLogged`): kept in its failure list. */
  readonly failure = (line: LoggedWarning): void => {
    if (line.mappingId === undefined) return;
    const fields = line.fields;
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    const entry: ActivityFailure = {
      at: Date.now(),
      process: this.processName,
      level: line.level,
      cause: text(fields.cause),
      function: text(fields.function) ?? text(fields.functionArn),
      message: line.message,
      ...(line.repeats > 0 ? { repeats: line.repeats } : {}),
    };
    const key = mappingStateKeys(this.options.prefix, line.mappingId).failures;
    this.options.redis
      .pipeline()
      .lpush(key, JSON.stringify(entry))
      .ltrim(key, 0, FAILURES_KEPT - 1)
      .expire(key, FAILURES_TTL_SECONDS)
      .exec()
      .catch((error: unknown) => this.warnRedis('keeping a failure for the dashboard', error, 'this failure is only in the log'));
  };

  /** Writes the pending counts; counts a failed write could not store are kept for the next flush (while in the window). */
  flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...pending].map(async ([mappingId, buckets]) => {
        const base = mappingStateKeys(this.options.prefix, mappingId).activity;
        const pipeline = this.options.redis.pipeline();
        const touched = new Set<string>();
        for (const [bucket, counts] of buckets) {
          const minute = bucket - (bucket % MINUTE_MS);
          const slot = (bucket - minute) / ACTIVITY_BUCKET_MS;
          const key = `${base}:${minute}`;
          touched.add(key);
          for (const count of ACTIVITY_COUNTS) if (counts[count] > 0) pipeline.hincrby(key, `${count}:${slot}`, counts[count]);
        }
        for (const key of touched) pipeline.expire(key, ACTIVITY_TTL_SECONDS);
        try {
          const results = (await pipeline.exec()) ?? [];
          const failed = results.find(([error]) => error)?.[0];
          if (failed) throw failed;
        } catch (error) {
          this.keepForNextFlush(mappingId, buckets);
          this.warnRedis(`writing the activity of mapping ${mappingId}`, error, 'kept for the next flush');
        }
      }),
    );
  }

  private keepForNextFlush(mappingId: string, buckets: Buckets): void {
    const oldest = Date.now() - ACTIVITY_WINDOW_MS;
    for (const [bucket, counts] of buckets) {
      if (bucket < oldest) continue; // past the window: no chart shows it any more
      for (const count of ACTIVITY_COUNTS) this.count(mappingId, count, counts[count], bucket);
    }
  }

  private warnRedis(what: string, error: unknown, next: string): void {
    this.warnings.warn({ key: what.replace(/ of mapping .*/, ''), fields: { err: error, cause: (error as Error).name }, message: `${what} failed (Redis): ${(error as Error).message}; ${next}` });
  }
}

/** The mapping's counts per 10 s bucket over the last 15 minutes, every process's summed. */
export async function readActivity(redis: Redis, prefix: string, mappingId: string, now = Date.now()): Promise<ActivitySeries> {
  const buckets = ACTIVITY_WINDOW_MS / ACTIVITY_BUCKET_MS;
  const start = now - (now % ACTIVITY_BUCKET_MS) - (buckets - 1) * ACTIVITY_BUCKET_MS;
  const firstMinute = start - (start % MINUTE_MS);
  const base = mappingStateKeys(prefix, mappingId).activity;
  const minutes: number[] = [];
  for (let minute = firstMinute; minute <= now; minute += MINUTE_MS) minutes.push(minute);
  const pipeline = redis.pipeline();
  for (const minute of minutes) pipeline.hgetall(`${base}:${minute}`);
  const results = (await pipeline.exec()) ?? [];
  const counts = Object.fromEntries(ACTIVITY_COUNTS.map((c) => [c, new Array<number>(buckets).fill(0)])) as Record<ActivityCount, number[]>;
  minutes.forEach((minute, i) => {
    const [error, fields] = results[i] ?? [new Error('no reply')];
    if (error) throw error;
    for (const [field, value] of Object.entries(fields as Record<string, string>)) {
      const [count, slot] = field.split(':') as [ActivityCount, string];
      const index = (minute + Number(slot) * ACTIVITY_BUCKET_MS - start) / ACTIVITY_BUCKET_MS;
      if (counts[count] && index >= 0 && index < buckets) counts[count][index] = Number(value);
    }
  });
  return { start, bucketMs: ACTIVITY_BUCKET_MS, counts };
}

/** The mapping's latest explained failures, newest first. */
export async function readFailures(redis: Redis, prefix: string, mappingId: string): Promise<ActivityFailure[]> {
  const entries = await redis.lrange(mappingStateKeys(prefix, mappingId).failures, 0, FAILURES_KEPT - 1);
  return entries.flatMap((text) => {
    try {
      return [JSON.parse(text) as ActivityFailure];
    } catch {
      return [];
    }
  });
}
