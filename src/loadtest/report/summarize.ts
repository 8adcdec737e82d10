/**
 * RunData → Report (the content of report.json). Pure: same run in, same report out, so
 * a saved run can be summarized again and the numbers are unit-testable.
 *
 * Definitions (the README's load-testing section should repeat them for users):
 * - counted invocations: those that started no later than `endedAt + graceMs`; later ones
 *   are reported as `late_invocations` and otherwise ignored, so "missing" means what the
 *   user asked for ("not invoked within the grace period").
 * - `invoked`: distinct sent ids carried by at least one counted invocation, whatever its
 *   outcome (the record reached the function). `processed`: distinct sent ids with at least
 *   one successful processing: an invocation that succeeded, or a partial failure that did
 *   not list the id in its batch item failures.
 * - `missing`: sent − invoked; ids in `missing_ids` (the first 1,000 by send time).
 * - `duplicates`: ids processed successfully more than once.
 * - `failed`: invocations that ended in a function or invocation error; `failed_records`:
 *   ids invoked but never processed successfully.
 * - `retries`: deliveries of a record after its first (sum over ids of carried − 1).
 * - latency per record: first counted invocation start − send time (clamped at 0: the send
 *   time is taken before the request, so a negative value can only be clock jitter).
 * - `throughput_per_s`: invoked / seconds from the start of the run to the last record's
 *   first invocation (the rate at which records got through, not the asked send rate).
 * - series: one point per second since `startedAt`. `sent` / `invoked` by send / first
 *   invocation time; errors by invocation time; latency percentiles of the records *sent*
 *   in that second (how the consumer kept up with the load of that moment); backlog = the
 *   largest sample in that second.
 */
import type { RunData, RunSettings } from '../run-data.js';
import { niceStep, percentile, sortedCopy } from './percentiles.js';

export const MISSING_IDS_CAP = 1000;
// About this many bars; the 1-2-5 rounding of the width gives between 24 and 60.
const HISTOGRAM_BUCKETS = 60;

export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export interface Summary {
  sent: number;
  invoked: number;
  processed: number;
  missing: number;
  missing_ids: string[];
  /** How many missing ids `missing_ids` left out (it is capped at MISSING_IDS_CAP). */
  missing_ids_omitted: number;
  duplicates: number;
  failed: number;
  failed_records: number;
  partial_failures: number;
  retries: number;
  invocations: number;
  late_invocations: number;
  /** Ids the trace reported that the tool never sent (another producer on the same resource). */
  unknown_ids: number;
  destination_count: number;
  /** Records the producer could not send after its retries: never in `sent`, so never missing. */
  send_failed: number;
  throughput_per_s: number;
  send_rate_per_s: number;
  latency_ms: LatencySummary;
  producer_behind: { behind: boolean; ms: number };
  backlog_max: { value: number; unit: 'messages' | 'ms' } | null;
}

export interface SeriesPoint {
  /** Seconds since the run started. */
  t: number;
  sent: number;
  invoked: number;
  errors: number;
  partial_failures: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  backlog: number | null;
}

export interface Report {
  version: 1;
  settings: RunSettings;
  run: { started_at: string; ended_at: string; grace_ms: number; duration_ms: number };
  summary: Summary;
  series: SeriesPoint[];
  backlog_unit: 'messages' | 'ms' | null;
  /** Latency histogram: bucket i counts latencies in [i × bucket_ms, (i+1) × bucket_ms); overflow is above the last. */
  histogram: { bucket_ms: number; counts: number[]; overflow: number };
}

function emptyPoint(t: number): SeriesPoint {
  return { t, sent: 0, invoked: 0, errors: 0, partial_failures: 0, p50: null, p90: null, p99: null, backlog: null };
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export function summarize(run: RunData): Report {
  const deadline = run.endedAt + run.graceMs;
  const n = run.sent.length;
  // Typed arrays indexed by send order: a 300k-record run stays a few MB and no objects per record.
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = run.sent[i]!.id;
    if (!index.has(id)) index.set(id, i); // ids are unique by construction; the first send wins if not
  }
  const firstAt = new Float64Array(n).fill(Number.NaN);
  const carried = new Uint32Array(n);
  const succeeded = new Uint32Array(n);

  let invocations = 0;
  let late = 0;
  let failed = 0;
  let partialFailures = 0;
  let unknown = 0;
  const errorsAt: number[] = [];
  const partialAt: number[] = [];
  for (const inv of run.invocations) {
    if (inv.at > deadline) {
      late++;
      continue;
    }
    invocations++;
    const failedIds = inv.outcome === 'partial_failure' ? new Set(inv.failedIds ?? []) : undefined;
    if (inv.outcome === 'function_error' || inv.outcome === 'invocation_error') {
      failed++;
      errorsAt.push(inv.at);
    } else if (inv.outcome === 'partial_failure') {
      partialFailures++;
      partialAt.push(inv.at);
    }
    for (const id of inv.ids) {
      const i = index.get(id);
      if (i === undefined) {
        unknown++;
        continue;
      }
      carried[i]!++;
      if (!(firstAt[i]! <= inv.at)) firstAt[i] = inv.at; // NaN compares false: the first one sets it
      if (inv.outcome === 'success' || (failedIds !== undefined && !failedIds.has(id))) succeeded[i]!++;
    }
  }

  let invoked = 0;
  let processed = 0;
  let duplicates = 0;
  let failedRecords = 0;
  let retries = 0;
  let lastFirstAt = run.startedAt;
  let latencySum = 0;
  const latencies = new Float64Array(n);
  const missingIds: string[] = [];
  let missing = 0;
  for (let i = 0; i < n; i++) {
    if (carried[i] === 0) {
      missing++;
      if (missingIds.length < MISSING_IDS_CAP) missingIds.push(run.sent[i]!.id);
      continue;
    }
    const latency = Math.max(0, firstAt[i]! - run.sent[i]!.sentAt);
    latencies[invoked] = latency;
    latencySum += latency;
    invoked++;
    retries += carried[i]! - 1;
    if (firstAt[i]! > lastFirstAt) lastFirstAt = firstAt[i]!;
    if (succeeded[i]! > 0) processed++;
    else failedRecords++;
    if (succeeded[i]! > 1) duplicates++;
  }
  const sorted = sortedCopy(latencies.subarray(0, invoked));
  const pick = (p: number) => {
    const value = percentile(sorted, p);
    return value === undefined ? null : value;
  };

  const seconds = (from: number, to: number) => Math.max(0.001, (to - from) / 1000);
  // A loop, not Math.max(...): spreading 300k arguments overflows the stack.
  let lastSentAt = run.startedAt;
  for (const record of run.sent) if (record.sentAt > lastSentAt) lastSentAt = record.sentAt;

  const summary: Summary = {
    sent: n,
    invoked,
    processed,
    missing,
    missing_ids: missingIds,
    missing_ids_omitted: missing - missingIds.length,
    duplicates,
    failed,
    failed_records: failedRecords,
    partial_failures: partialFailures,
    retries,
    invocations,
    late_invocations: late,
    unknown_ids: unknown,
    destination_count: run.destinationCount,
    send_failed: run.sendFailed ?? 0,
    throughput_per_s: invoked === 0 ? 0 : round1(invoked / seconds(run.startedAt, lastFirstAt)),
    send_rate_per_s: n === 0 ? 0 : round1(n / seconds(run.startedAt, Math.max(lastSentAt, run.startedAt + 1))),
    latency_ms: { p50: pick(50), p90: pick(90), p99: pick(99), max: pick(100), mean: invoked === 0 ? null : round1(latencySum / invoked) },
    producer_behind: producerBehind(run),
    backlog_max: backlogMax(run, deadline),
  };

  return {
    version: 1,
    settings: run.settings,
    run: {
      started_at: new Date(run.startedAt).toISOString(),
      ended_at: new Date(run.endedAt).toISOString(),
      grace_ms: run.graceMs,
      duration_ms: run.endedAt - run.startedAt,
    },
    summary,
    series: buildSeries(run, firstAt, carried, errorsAt, partialAt, deadline),
    backlog_unit: run.backlog[0]?.unit ?? null,
    histogram: buildHistogram(sorted),
  };
}

function producerBehind(run: RunData): { behind: boolean; ms: number } {
  const samples = [...run.producer].sort((a, b) => a.at - b.at);
  let ms = 0;
  // Each sample stands for the time until the next one (the last one until the producer stopped).
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    if (!sample.behind) continue;
    const until = samples[i + 1]?.at ?? Math.max(run.endedAt, sample.at);
    ms += until - sample.at;
  }
  return { behind: samples.some((s) => s.behind), ms };
}

function backlogMax(run: RunData, deadline: number): Summary['backlog_max'] {
  let best: Summary['backlog_max'] = null;
  for (const sample of run.backlog) if (sample.at <= deadline && (best === null || sample.value > best.value)) best = { value: sample.value, unit: sample.unit };
  return best;
}

function buildSeries(
  run: RunData,
  firstAt: Float64Array,
  carried: Uint32Array,
  errorsAt: number[],
  partialAt: number[],
  deadline: number,
): SeriesPoint[] {
  const second = (at: number) => Math.max(0, Math.floor((at - run.startedAt) / 1000));
  // The chart spans the run and as much of the grace period as saw something happen.
  let lastSecond = second(run.endedAt);
  const see = (at: number) => {
    if (at <= deadline) lastSecond = Math.max(lastSecond, second(at));
  };
  for (let i = 0; i < firstAt.length; i++) if (carried[i]! > 0) see(firstAt[i]!);
  for (const at of errorsAt) see(at);
  for (const at of partialAt) see(at);
  for (const sample of run.backlog) see(sample.at);

  const points = Array.from({ length: lastSecond + 1 }, (_, t) => emptyPoint(t));
  const bySecond: number[][] = points.map(() => []);
  const at = (t: number) => points[Math.min(t, lastSecond)]!;
  for (let i = 0; i < run.sent.length; i++) {
    const record = run.sent[i]!;
    const t = Math.min(second(record.sentAt), lastSecond);
    at(t).sent++;
    if (carried[i]! > 0) {
      at(second(firstAt[i]!)).invoked++;
      bySecond[t]!.push(Math.max(0, firstAt[i]! - record.sentAt));
    }
  }
  for (const a of errorsAt) at(second(a)).errors++;
  for (const a of partialAt) at(second(a)).partial_failures++;
  for (const sample of run.backlog) {
    if (sample.at > deadline) continue;
    const point = at(second(sample.at));
    point.backlog = point.backlog === null ? sample.value : Math.max(point.backlog, sample.value);
  }
  for (let t = 0; t <= lastSecond; t++) {
    const sorted = sortedCopy(bySecond[t]!);
    const point = points[t]!;
    point.p50 = percentile(sorted, 50) ?? null;
    point.p90 = percentile(sorted, 90) ?? null;
    point.p99 = percentile(sorted, 99) ?? null;
  }
  return points;
}

function buildHistogram(sorted: Float64Array): Report['histogram'] {
  if (sorted.length === 0) return { bucket_ms: 1, counts: [], overflow: 0 };
  const max = sorted[sorted.length - 1]!;
  const p99 = percentile(sorted, 99)!;
  // A few slow outliers would squash the bars into one: past twice the p99 they go to an overflow count.
  const upper = max <= 2 * p99 ? max : 2 * p99;
  const bucket = niceStep(Math.max(upper, 1) / HISTOGRAM_BUCKETS);
  const length = Math.floor(upper / bucket) + 1;
  const counts = new Array<number>(length).fill(0);
  let overflow = 0;
  for (const latency of sorted) {
    const i = Math.floor(latency / bucket);
    if (i < length) counts[i]!++;
    else overflow++;
  }
  return { bucket_ms: bucket, counts, overflow };
}
