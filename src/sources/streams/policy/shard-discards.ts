/**
 * Records a shard gave up on (streams.md §14): their on-failure record goes to the mapping's
 * destination when it has one, else they are dropped (AWS). A failed delivery drops them
 * too, after the destination's own retries; either way the shard moves on (§14.2), and the
 * record stays in the log and in the metrics.
 */
import { buildOnFailureRecord, type OnFailureDestinations } from '../../../destinations/index.js';
import type { Logger } from '../../../observability/logger.js';
import type { DiscardGroup } from './index.js';
import type { ShardMetrics } from '../shard/shard-metrics.js';
import { payloadOf } from '../stream-record.js';
import { warnSourceCallFailed, type SourceWarningContext } from '../../source-warnings.js';
import type { StreamRecord, StreamSource } from '../stream-source.js';

export interface ShardDiscardsContext {
  mappingId: string;
  functionArn: string;
  shardId: string;
  /** DestinationConfig.OnFailure.Destination, when set. */
  destination?: string;
  source: StreamSource;
  destinations?: OnFailureDestinations;
  metrics: ShardMetrics;
  logger: Logger;
  /** Failed deliveries are logged through it, rate-limited. */
  warnings: SourceWarningContext;
  report: (result: { invocation?: string }) => Promise<void>;
}

/** Sends (or drops) one discarded part of a batch; `records` is the whole batch as read. */
export async function sendDiscard(context: ShardDiscardsContext, discard: DiscardGroup, records: readonly StreamRecord[]): Promise<void> {
  const { source, metrics, logger } = context;
  const record = buildOnFailureRecord(discard, {
    functionArn: context.functionArn,
    shardId: context.shardId,
    streamArn: source.streamArn,
    batchInfoKey: source.traits.batchInfoKey,
    arrivalTimePrecision: source.traits.arrivalTimePrecision,
  });
  const indices = Array.from({ length: discard.lastIndex - discard.firstIndex + 1 }, (_, i) => discard.firstIndex + i);
  if (!context.destination || !context.destinations) {
    logger.warn({ onFailure: record }, 'records discarded without an on-failure destination');
    metrics.dropped(indices.length);
    return;
  }
  const delivery = await context.destinations.deliver(context.destination, record, {
    mappingId: context.mappingId,
    payload: () => payloadOf(records, indices),
  });
  if (delivery.delivered) {
    metrics.destinationDelivered(indices.length);
    return;
  }
  metrics.destinationDeliveryFailure();
  metrics.dropped(indices.length);
  // At error: these records are dropped. Rate-limited like every failed call: a destination
  // that is gone fails for every discarded batch.
  warnSourceCallFailed(context.warnings, {
    operation: `on-failure delivery to ${context.destination}`,
    cause: delivery.errorCode,
    detail: delivery.errorMessage,
    next: 'the records are dropped',
    level: 'error',
    fields: { onFailure: record },
  });
  await context.report({ invocation: delivery.lastProcessingResult }).catch(() => undefined);
}
