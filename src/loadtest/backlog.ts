/**
 * Backlog while the run goes on, one sample a call:
 * - SQS: ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible of the source
 *   queue (waiting + being handled), in 'messages'.
 * - Streams: the largest `sluice_iterator_age_milliseconds` of this mapping (the gauge is
 *   per shard, labelled `mapping="<UUID>"`, src/observability/metrics.ts), from Sluice's
 *   `/metrics`, in 'ms'. No sample when the mapping has no series yet (nothing invoked).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { BacklogSample } from './run-data.js';
import type { SluiceClient } from './plan.js';
import { queueDepth } from './resources.js';

export const ITERATOR_AGE_METRIC = 'sluice_iterator_age_milliseconds';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const unescape = (value: string): string => value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

/**
 * Samples of the Prometheus text exposition format (comments skipped, an optional
 * timestamp after the value ignored). Enough for prom-client's output; not a full parser
 * (no exemplars, no OpenMetrics).
 */
export function parsePrometheus(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?\s*$/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
  for (const raw of text.split('\n')) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = line.exec(trimmed);
    if (!match) continue;
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    label.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = label.exec(body)) !== null) labels[m[1]!] = unescape(m[2]!);
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The largest iterator age of `mappingUuid` over its shards (and processes); undefined without a series. */
export function maxIteratorAge(metricsText: string, mappingUuid: string): number | undefined {
  let max: number | undefined;
  for (const s of parsePrometheus(metricsText)) {
    if (s.name !== ITERATOR_AGE_METRIC || s.labels.mapping !== mappingUuid || !Number.isFinite(s.value)) continue;
    max = max === undefined ? s.value : Math.max(max, s.value);
  }
  return max;
}

export type BacklogSampler = () => Promise<BacklogSample | undefined>;

export function sqsBacklog(sqs: SQSClient, queueUrl: string, now: () => number = Date.now): BacklogSampler {
  return async () => ({ at: now(), value: await queueDepth(sqs, queueUrl), unit: 'messages' });
}

export function streamBacklog(client: SluiceClient, mappingUuid: string, now: () => number = Date.now): BacklogSampler {
  return async () => {
    const value = maxIteratorAge(await client.readMetrics(), mappingUuid);
    return value === undefined ? undefined : { at: now(), value, unit: 'ms' };
  };
}
