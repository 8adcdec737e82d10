/**
 * Sluice's Prometheus metrics (spec/metrics.md), one instance per started Sluice with
 * its own prom-client Registry, so several Sluices in one process (tests) never share
 * or clash on series. Callers record through small methods named after what happened;
 * the names, types, labels and buckets below are the spec's.
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { SourceType } from '../mappings/event-source-arn.js';
import type { MappingState } from '../mappings/model.js';
import { readSdkError } from '../aws/sdk-errors.js';
import type { LoggedWarning } from './rate-limited-warnings.js';

/** Where a mapping's counts and explained failures also go: the dashboard's shared activity (observability/activity.ts). */
export interface ActivitySink {
  count(mappingId: string, count: 'in' | 'invoked' | 'filtered' | 'failed', n: number): void;
  failure(line: LoggedWarning): void;
}

/** The labels of every per-mapping metric (metrics.md §2). */
export interface MappingLabels {
  /** Mapping UUID. */
  mapping: string;
  sourceType: SourceType;
  /** The mapping's FunctionArn. */
  function: string;
}

/** `sluice_invocations_total{outcome}` (metrics.md §4). */
export type InvocationOutcomeLabel =
  | 'success'
  | 'partial_failure'
  | 'failure_response'
  | 'function_error'
  | 'throttled'
  | 'invocation_error';

/**
 * `cause` of `sluice_invocation_errors_total`: why an attempt did not succeed, from a small
 * fixed set (README, Observability) so it can be alerted on. The log line of the attempt
 * carries the details (errno, status, message).
 */
export const INVOCATION_ERROR_CAUSES = [
  'connection_refused',
  'connection_reset',
  'dns',
  'host_unreachable',
  'tls',
  'timeout',
  'http_4xx',
  'http_5xx',
  'throttled',
  'module_not_found',
  'export_not_found',
  'module_init_failed',
  'handler_error',
  'crashed',
  'lambda_service',
  'function_not_configured',
  'invalid_response',
  'other',
] as const;

export type InvocationErrorCause = (typeof INVOCATION_ERROR_CAUSES)[number];

export type LeaseChange = 'acquired' | 'released' | 'lost' | 'stolen';

/** One invocation attempt, as the pipeline saw it. */
export interface InvocationAttempt {
  outcome: InvocationOutcomeLabel;
  /** Records in the attempt's event. */
  records: number;
  /** Size of the invocation payload (the serialised event). */
  payloadBytes: number;
  /** Seconds from sending the event to the result; only for attempts that reached the target. */
  durationSeconds?: number;
}

/** The labels of a mapping's metrics from what its batches and pollers know. */
export function mappingLabels(mapping: string, sourceType: SourceType, functionArn: string): MappingLabels {
  return { mapping, sourceType, function: functionArn };
}

/**
 * The `error` label of an error counter (metrics.md §2): the SDK error name
 * (`ThrottlingException`), or `NetworkingError` for a failure on the network before any
 * answer (Node / undici codes, SDK timeouts).
 */
export function errorLabel(error: unknown): string {
  const facts = readSdkError(error);
  return facts.class === 'network' ? 'NetworkingError' : facts.code;
}

const mappingStates: readonly MappingState[] = ['Creating', 'Enabling', 'Enabled', 'Disabling', 'Disabled', 'Updating', 'Deleting'];

const perMapping = ['mapping', 'source_type', 'function'] as const;
type PerMappingLabel = (typeof perMapping)[number];
type Labels<Extra extends string = never> = Record<PerMappingLabel | Extra, string>;

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const batchRecordBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/**
 * 1 KiB × 4^n while below 6 MiB (1 KiB … 4 MiB), then 6 MiB itself, Lambda's payload
 * limit, as the last finite bucket (chosen: "up to 6 MiB" read as capped at the limit).
 */
const payloadBytesBuckets = [...[0, 1, 2, 3, 4, 5, 6].map((n) => 1024 * 4 ** n), 6 * 1024 * 1024];

const promLabels = (labels: MappingLabels): Labels => ({
  mapping: labels.mapping,
  source_type: labels.sourceType,
  function: labels.function,
});

type Removable = Counter<string> | Gauge<string> | Histogram<string>;

export class SluiceMetrics {
  readonly registry = new Registry();

  // §3 Event counts
  private readonly polledEvents = this.counter('sluice_polled_events_total', 'Records read from the source, before filtering (PolledEventCount).');
  private readonly filteredOutEvents = this.counter('sluice_filtered_out_events_total', 'Records that matched no filter (FilteredOutEventCount).');
  private readonly invokedEvents = this.counter('sluice_invoked_events_total', 'Records in every invocation attempt, retries and bisected halves included (InvokedEventCount).');
  private readonly failedInvokeEvents = this.counter(
    'sluice_failed_invoke_events_total',
    'Records of every attempt that ended in a function error, an invocation error, a complete-failure response or reported batch item failures (FailedInvokeEventCount).',
  );
  private readonly droppedEvents = this.counter(
    'sluice_dropped_events_total',
    'Stream records discarded without reaching an on-failure destination (DroppedEventCount).',
  );
  private readonly destinationDeliveredEvents = this.counter(
    'sluice_on_failure_destination_delivered_events_total',
    'Stream records covered by delivered on-failure records (OnFailureDestinationDeliveredEventCount).',
  );
  private readonly replayedEvents = this.counter(
    'sluice_replayed_events_total',
    'Stream records delivered again because of a rewind: records at or before the checkpoint their shard had before the rewind (Sluice only).',
  );
  private readonly deletedEvents = this.counter(
    'sluice_deleted_events_total',
    'SQS messages deleted after a success or partial success, filtered-out deletions excluded (DeletedEventCount).',
  );

  // §4 Invocations
  private readonly invocations = this.counter('sluice_invocations_total', 'Invocation attempts by outcome (Invocations, Errors, Throttles).', ['outcome']);
  private readonly invocationDuration = this.histogram(
    'sluice_invocation_duration_seconds',
    'Seconds from sending the event to the result, for attempts that reached the target (Duration).',
    durationBuckets,
  );
  private readonly invocationErrors = this.counter(
    'sluice_invocation_errors_total',
    'Invocation attempts that did not succeed (invocation errors, function errors, invalid responses), by cause.',
    ['cause'],
  );
  private readonly concurrentInvocations = this.gauge('sluice_concurrent_invocations', 'Invocations in flight for the mapping in this process (ConcurrentExecutions).');
  private readonly batchRecords = this.histogram('sluice_batch_records', 'Records per invocation attempt.', batchRecordBuckets);
  private readonly batchPayloadBytes = this.histogram('sluice_batch_payload_bytes', 'Size of the invocation payload in bytes.', payloadBytesBuckets);

  // §5 Streams
  private readonly iteratorAgeMs = this.gauge(
    'sluice_iterator_age_milliseconds',
    'Invocation start minus the arrival time of the last record of the batch, per shard (IteratorAge).',
    ['shard'],
  );
  private readonly destinationDeliveryFailures = this.counter(
    'sluice_destination_delivery_failures_total',
    'On-failure records whose delivery failed after retries (DestinationDeliveryFailures).',
  );
  private readonly shardCheckpointLag = this.gauge('sluice_shard_checkpoint_lag_records', 'Records read but not yet done for the shard.', ['shard']);

  // §6 Sluice operations
  private readonly sourceErrors = this.counter('sluice_source_errors_total', 'Failed calls to SQS, Kinesis or DynamoDB Streams while polling.', ['error']);
  private readonly sourceRequests = this.counter(
    'sluice_source_requests_total',
    'Calls to SQS, Kinesis or DynamoDB Streams while polling, failed ones included, by operation (GetRecords, GetShardIterator, ReceiveMessage, DeleteMessageBatch...).',
    ['operation'],
  );
  private readonly sqsDeleteFailureCount = this.counter('sluice_sqs_delete_failures_total', 'SQS messages whose deletion failed after retries.', ['error']);
  private readonly mappingStateGauge = this.gauge('sluice_mapping_state', "1 for the mapping's current state, 0 for the others.", ['state']);
  private readonly fencedInvocations = this.counter(
    'sluice_fenced_invocations_total',
    'Batch jobs not invoked because their fence had moved: a stream batch whose shard lease moved after it was submitted (chosen).',
  );
  private readonly shardLeaseGauge = new Gauge({
    name: 'sluice_shard_leases',
    help: 'Shard leases held by this process.',
    labelNames: ['mapping'],
    registers: [this.registry],
  });
  private readonly shardLeaseChanges = new Counter({
    name: 'sluice_shard_lease_changes_total',
    help: 'Lease movements seen by this process.',
    labelNames: ['mapping', 'change'],
    registers: [this.registry],
  });

  /**
   * Every label set written, per mapping, so a deleted mapping's series can all be
   * removed (prom-client removes one exact label set at a time).
   */
  private readonly seriesByMapping = new Map<string, Map<string, () => void>>();
  /** The labels `sluice_mapping_state` was last written with, per mapping. */
  private readonly stateLabels = new Map<string, Labels>();
  /** The state last written per mapping (with `stateLabels`): an unchanged one is not written again. */
  private readonly recordedStates = new Map<string, MappingState>();

  private activity?: ActivitySink;

  /** From now on, counts and explained failures also go to `sink` (one per process, app.ts). */
  attachActivity(sink: ActivitySink): void {
    this.activity = sink;
  }

  /**
   * For RateLimitedWarnings' `onLogged`: a written warning line about a mapping goes to the
   * activity's failure list. Bound, so pollers can pass it before a sink is attached.
   */
  readonly explainedFailure = (line: LoggedWarning): void => this.activity?.failure(line);

  /** The registry's Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Register a metric of Sluice's own (e.g. collected at scrape time) in this registry. */
  register(metric: Metric): void {
    this.registry.registerMetric(metric);
  }

  // ---- event counts ----

  polled(labels: MappingLabels, n: number): void {
    this.add(this.polledEvents, promLabels(labels), n);
    this.activity?.count(labels.mapping, 'in', n);
  }

  filteredOut(labels: MappingLabels, n: number): void {
    this.add(this.filteredOutEvents, promLabels(labels), n);
    this.activity?.count(labels.mapping, 'filtered', n);
  }

  /** Records of a batch that were delivered before a rewind moved their shard back (issue #16). */
  replayed(labels: MappingLabels, n: number): void {
    this.add(this.replayedEvents, promLabels(labels), n);
  }

  dropped(labels: MappingLabels, n: number): void {
    this.add(this.droppedEvents, promLabels(labels), n);
  }

  destinationDelivered(labels: MappingLabels, n: number): void {
    this.add(this.destinationDeliveredEvents, promLabels(labels), n);
  }

  deleted(labels: MappingLabels, n: number): void {
    this.add(this.deletedEvents, promLabels(labels), n);
  }

  // ---- invocations ----

  /**
   * An invocation is starting: counts it in flight until the returned function is
   * called (once).
   */
  invocationStarted(labels: MappingLabels): () => void {
    const l = promLabels(labels);
    this.track(this.concurrentInvocations, l);
    this.concurrentInvocations.inc(l);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      // A mapping deleted meanwhile had its series removed; don't resurrect it at -1.
      if (this.isTracked(this.concurrentInvocations, l)) this.concurrentInvocations.dec(l);
    };
  }

  /** One invocation attempt ended: every §4 metric plus invoked / failed-invoke events. */
  invocationAttempt(labels: MappingLabels, attempt: InvocationAttempt): void {
    const l = promLabels(labels);
    this.add(this.invocations, { ...l, outcome: attempt.outcome }, 1);
    this.add(this.invokedEvents, l, attempt.records);
    if (attempt.outcome !== 'success') this.add(this.failedInvokeEvents, l, attempt.records);
    this.observe(this.batchRecords, l, attempt.records);
    this.observe(this.batchPayloadBytes, l, attempt.payloadBytes);
    if (attempt.durationSeconds !== undefined) this.observe(this.invocationDuration, l, attempt.durationSeconds);
    this.activity?.count(labels.mapping, 'invoked', attempt.records);
    if (attempt.outcome !== 'success') this.activity?.count(labels.mapping, 'failed', 1);
  }

  /** One attempt did not succeed, for this cause (one cause per attempt). */
  invocationError(labels: MappingLabels, cause: InvocationErrorCause): void {
    this.add(this.invocationErrors, { ...promLabels(labels), cause }, 1);
  }

  // ---- streams ----

  iteratorAge(labels: MappingLabels, shard: string, ms: number): void {
    this.set(this.iteratorAgeMs, { ...promLabels(labels), shard }, ms);
  }

  checkpointLag(labels: MappingLabels, shard: string, n: number): void {
    this.set(this.shardCheckpointLag, { ...promLabels(labels), shard }, n);
  }

  /** One on-failure record could not be delivered (its records go to dropped() separately). */
  destinationDeliveryFailure(labels: MappingLabels): void {
    this.add(this.destinationDeliveryFailures, promLabels(labels), 1);
  }

  /** The shard's gauges go: lease lost or released, or the shard ended. */
  removeShard(labels: MappingLabels, shard: string): void {
    const l = { ...promLabels(labels), shard };
    for (const gauge of [this.iteratorAgeMs, this.shardCheckpointLag]) this.untrack(gauge, l);
  }

  shardLeases(mapping: string, n: number): void {
    this.set(this.shardLeaseGauge, { mapping }, n, mapping);
  }

  /** A batch job was refused by its fence (job-fence.ts): nothing was invoked. */
  fencedInvocation(labels: MappingLabels): void {
    this.add(this.fencedInvocations, promLabels(labels), 1);
  }

  leaseChange(mapping: string, change: LeaseChange): void {
    this.add(this.shardLeaseChanges, { mapping, change }, 1, mapping);
  }

  // ---- operations ----

  sourceError(labels: MappingLabels, errorName: string): void {
    this.add(this.sourceErrors, { ...promLabels(labels), error: errorName }, 1);
  }

  /** One call to the source service (`operation`: the API action, e.g. GetRecords). */
  sourceRequest(labels: MappingLabels, operation: string): void {
    this.add(this.sourceRequests, { ...promLabels(labels), operation }, 1);
  }

  /** `n` SQS messages whose deletion failed after retries. */
  sqsDeleteFailed(labels: MappingLabels, errorName: string, n: number): void {
    this.add(this.sqsDeleteFailureCount, { ...promLabels(labels), error: errorName }, n);
  }

  /** The mapping's current state: 1 for it, 0 for every other state. */
  mappingState(labels: MappingLabels, state: MappingState): void {
    const l = promLabels(labels);
    // An Update may change the FunctionArn: the old label set must not keep saying 1.
    const previous = this.stateLabels.get(labels.mapping);
    // Every full reconcile reports every mapping (issue #13: 1,000 idle mappings made this
    // 7,000 gauge writes per reconcile): an unchanged state writes nothing.
    if (previous?.function === l.function && this.recordedStates.get(labels.mapping) === state) return;
    this.recordedStates.set(labels.mapping, state);
    if (previous && previous.function !== l.function) {
      for (const s of mappingStates) this.untrack(this.mappingStateGauge, { ...previous, state: s });
    }
    this.stateLabels.set(labels.mapping, l);
    for (const s of mappingStates) this.set(this.mappingStateGauge, { ...l, state: s }, s === state ? 1 : 0);
  }

  /** The mapping is deleted (or gone): every series carrying it is removed. */
  removeMapping(mappingId: string): void {
    const series = this.seriesByMapping.get(mappingId);
    this.stateLabels.delete(mappingId);
    this.recordedStates.delete(mappingId);
    if (!series) return;
    for (const remove of series.values()) remove();
    this.seriesByMapping.delete(mappingId);
  }

  /** Mappings with series in this registry. */
  mappingIds(): string[] {
    return [...this.seriesByMapping.keys()];
  }

  // ---- plumbing ----

  private counter(name: string, help: string, extra: readonly string[] = []): Counter<string> {
    return new Counter({ name, help, labelNames: [...perMapping, ...extra], registers: [this.registry] });
  }

  private gauge(name: string, help: string, extra: readonly string[] = []): Gauge<string> {
    return new Gauge({ name, help, labelNames: [...perMapping, ...extra], registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets: number[]): Histogram<string> {
    return new Histogram({ name, help, buckets, labelNames: [...perMapping], registers: [this.registry] });
  }

  private add(counter: Counter<string>, labels: Record<string, string>, n: number, mapping = labels.mapping): void {
    if (n <= 0) return; // an empty poll adds 0 (and counters only go up)
    this.track(counter, labels, mapping);
    counter.inc(labels, n);
  }

  private set(gauge: Gauge<string>, labels: Record<string, string>, value: number, mapping = labels.mapping): void {
    this.track(gauge, labels, mapping);
    gauge.set(labels, value);
  }

  private observe(histogram: Histogram<string>, labels: Record<string, string>, value: number): void {
    this.track(histogram, labels);
    histogram.observe(labels, value);
  }

  private seriesKey(metric: Removable, labels: Record<string, string>): string {
    return `${(metric as unknown as { name: string }).name}\u0000${JSON.stringify(labels)}`;
  }

  private track(metric: Removable, labels: Record<string, string>, mapping = labels.mapping): void {
    if (mapping === undefined) return;
    let series = this.seriesByMapping.get(mapping);
    if (!series) this.seriesByMapping.set(mapping, (series = new Map<string, () => void>()));
    const key = this.seriesKey(metric, labels);
    if (!series.has(key)) series.set(key, () => metric.remove(labels));
  }

  private isTracked(metric: Removable, labels: Record<string, string>): boolean {
    return this.seriesByMapping.get(labels.mapping ?? '')?.has(this.seriesKey(metric, labels)) ?? false;
  }

  private untrack(metric: Removable, labels: Record<string, string>): void {
    metric.remove(labels);
    this.seriesByMapping.get(labels.mapping ?? '')?.delete(this.seriesKey(metric, labels));
  }
}
