/**
 * Redis work, counted by Redis itself: the total of `calls` over INFO commandstats. The
 * difference around a run, divided by the batches Sluice invoked, is its commands per batch.
 */
import { Redis } from 'ioredis';

export interface RedisCounter {
  /** Commands Redis has executed so far (this counter's own INFO calls left out). */
  calls(): Promise<number>;
  close(): void;
}

export function redisCounter(url: string): RedisCounter {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let ownInfoCalls = 0;
  return {
    calls: async () => {
      const text = await redis.info('commandstats');
      ownInfoCalls++;
      let total = 0;
      for (const match of text.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(match[1]);
      return total - ownInfoCalls;
    },
    close: () => redis.disconnect(),
  };
}

/** The sum of every sample of `metric` in a Prometheus text exposition (NaN if absent). */
export function metricSum(text: string, metric: string, labelFilter?: string): number {
  let total = NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    total = (Number.isNaN(total) ? 0 : total) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
