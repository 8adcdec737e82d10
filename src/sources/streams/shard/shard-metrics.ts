/**
 * What one shard records in the metrics (metrics.md §3, §5, §6), bound to its mapping's
 * labels and shard id, so the shard processor says what happened and nothing more. Without
 * a metrics registry (unit harnesses) every call does nothing.
 */
import { errorLabel, type MappingLabels, type SluiceMetrics } from '../../../observability/metrics.js';
import type { AttemptMetrics } from '../../invocation-attempts.js';

/** Invocation attempts (AttemptMetrics) are recorded by the batch policy's caller, once judged. */
export interface ShardMetrics extends AttemptMetrics {
  /** Records read, before filtering. */
  polled(n: number): void;
  filteredOut(n: number): void;
  /** Records delivered again because of a rewind (sluice_replayed_events_total). */
  replayed(n: number): void;
  /** Invocation start − arrival of the batch's last record (streams.md §16). */
  iteratorAge(ms: number): void;
  /** Records read and not yet done. */
  checkpointLag(n: number): void;
  /** Discarded records that reached no on-failure destination. */
  dropped(n: number): void;
  /** Records covered by on-failure records delivered. */
  destinationDelivered(n: number): void;
  destinationDeliveryFailure(): void;
  sourceError(error: unknown): void;
  /** A call to the service (GetRecords, GetShardIterator), failed or not. */
  sourceRequest(operation: string): void;
  /** The shard left this process (lease lost, shard ended, stop): its gauges go. */
  remove(): void;
}

export function shardMetrics(metrics: SluiceMetrics | undefined, labels: MappingLabels, shardId: string): ShardMetrics {
  if (!metrics) {
    const nothing = () => undefined;
    return { invocationAttempt: nothing, invocationError: nothing, polled: nothing, filteredOut: nothing, replayed: nothing, iteratorAge: nothing, checkpointLag: nothing, dropped: nothing, destinationDelivered: nothing, destinationDeliveryFailure: nothing, sourceError: nothing, sourceRequest: nothing, remove: nothing };
  }
  return {
    invocationAttempt: (attempt) => metrics.invocationAttempt(labels, attempt),
    invocationError: (cause) => metrics.invocationError(labels, cause),
    polled: (n) => n > 0 && metrics.polled(labels, n),
    filteredOut: (n) => n > 0 && metrics.filteredOut(labels, n),
    replayed: (n) => n > 0 && metrics.replayed(labels, n),
    iteratorAge: (ms) => metrics.iteratorAge(labels, shardId, Math.max(0, ms)),
    checkpointLag: (n) => metrics.checkpointLag(labels, shardId, n),
    dropped: (n) => metrics.dropped(labels, n),
    destinationDelivered: (n) => metrics.destinationDelivered(labels, n),
    destinationDeliveryFailure: () => metrics.destinationDeliveryFailure(labels),
    sourceError: (error) => metrics.sourceError(labels, errorLabel(error)),
    sourceRequest: (operation) => metrics.sourceRequest(labels, operation),
    remove: () => metrics.removeShard(labels, shardId),
  };
}
