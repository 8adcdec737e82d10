/**
 * The `outcome` label of `sluice_invocations_total` (metrics.md §4) for one invocation
 * attempt, read from the target's outcome and, when the mapping uses
 * ReportBatchItemFailures, from the response the same way the sources read it.
 */
import type { SourceType } from '../mappings/event-source-arn.js';
import type { InvocationOutcomeLabel } from '../observability/metrics.js';
import type { InvocationOutcome } from '../targets/index.js';
import { readWindowResponse } from '../sources/streams/windows/tumbling-window.js';
import { readBatchItemFailures } from './batch-item-failures.js';

export interface InvokedBatch {
  source: SourceType;
  /** The event JSON the target received. */
  payload: string;
  reportBatchItemFailures?: boolean;
  tumblingWindow?: boolean;
}

export function invocationOutcomeLabel(outcome: InvocationOutcome, batch: InvokedBatch): InvocationOutcomeLabel {
  if (outcome.kind === 'invocation-error') return outcome.reason === 'throttled' ? 'throttled' : 'invocation_error';
  if (outcome.kind === 'function-error') return 'function_error';
  if (batch.tumblingWindow && readWindowResponse(outcome).kind === 'invalid') return 'failure_response';
  if (!batch.reportBatchItemFailures) return 'success';
  const verdict = readBatchItemFailures(outcome.response, outcome.responseIsJson, lazyItemIdentifiers(outcome.response, batch));
  if (verdict.kind === 'full-success') return 'success';
  return verdict.kind === 'partial-failure' ? 'partial_failure' : 'failure_response';
}

/**
 * The batch's item identifiers (SQS messageId, Kinesis sequenceNumber, DynamoDB
 * SequenceNumber), read from the payload only when the response lists failures: most
 * responses don't, and a batch may be 6 MB.
 */
function lazyItemIdentifiers(response: unknown, batch: InvokedBatch): ReadonlySet<string> {
  const failures = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return new Set();
  const records = (JSON.parse(batch.payload) as { Records?: Record<string, unknown>[] }).Records ?? [];
  return new Set(records.map((record) => itemIdentifier(record, batch.source)).filter((id): id is string => typeof id === 'string'));
}

function itemIdentifier(record: Record<string, unknown>, source: SourceType): unknown {
  if (source === 'sqs') return record.messageId;
  if (source === 'kinesis') return (record.kinesis as { sequenceNumber?: unknown } | undefined)?.sequenceNumber;
  return (record.dynamodb as { SequenceNumber?: unknown } | undefined)?.SequenceNumber;
}
