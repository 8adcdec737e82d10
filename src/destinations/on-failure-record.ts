/**
 * The on-failure record of a stream mapping (streams.md §14.1): what Sluice sends to
 * `DestinationConfig.OnFailure.Destination` for each discarded part of a batch. Built with
 * its keys in AWS's order (`requestContext`, `responseContext`, `version`, `timestamp`,
 * the batch info, and for S3 `payload` last), so `JSON.stringify` gives the wire format.
 */
import { randomUUID } from 'node:crypto';

/** Why records were discarded (§14.1 `requestContext.condition`). */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'MaximumPayloadSizeExceeded';

/** `responseContext` of a `RetryAttemptsExhausted` record: the last counted attempt. */
export interface OnFailureResponseContext {
  /** 200 for every target (chosen for HTTP and module targets; Lambda's Invoke answers 200 for function errors). */
  statusCode: number;
  /** `X-Amz-Executed-Version` for lambda targets, `$LATEST` otherwise (sqs.md §2). */
  executedVersion: string;
  /** `Unhandled` (or Lambda's `X-Amz-Function-Error`) for a function error; null for a failure response (§11). */
  functionError: string | null;
}

interface DiscardedPartBase {
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** Arrival time of the first discarded record, ms since the epoch. */
  approximateArrivalOfFirstRecord: number;
  /** Arrival time of the last discarded record, ms since the epoch. */
  approximateArrivalOfLastRecord: number;
  /** Records in this part. */
  batchSize: number;
  approximateInvokeCount: number;
  /** Request id of the last invocation of these records; absent when there was none (a fresh UUID is used). */
  requestId?: string;
  /** When the records were discarded, ms since the epoch (`timestamp`). */
  discardedAt: number;
}

/**
 * One discarded part of a batch, as the stream batch policy reports it: the facts an
 * on-failure record is built from. A `RetryAttemptsExhausted` part always has a
 * `responseContext`; the other conditions never do (§13, §8).
 */
export type DiscardedPart =
  | (DiscardedPartBase & { condition: 'RetryAttemptsExhausted'; responseContext: OnFailureResponseContext })
  | (DiscardedPartBase & { condition: 'RecordAgeExceeded' | 'MaximumPayloadSizeExceeded' });

/** Where the records came from and which function they were for. */
export interface OnFailureRecordContext {
  /** The mapping's FunctionArn, qualifier included. */
  functionArn: string;
  shardId: string;
  /** The stream ARN (never a Kinesis consumer ARN): StreamSource.streamArn. */
  streamArn: string;
  /** StreamTraits.batchInfoKey. */
  batchInfoKey: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
  /** StreamTraits.arrivalTimePrecision: Kinesis milliseconds, DynamoDB whole seconds. */
  arrivalTimePrecision: 'milliseconds' | 'seconds';
}

export interface OnFailureRequestContext {
  requestId: string;
  functionArn: string;
  condition: DiscardCondition;
  approximateInvokeCount: number;
}

export interface OnFailureBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/** The record of §14.1. Exactly one of the two batch info keys is present. */
export interface OnFailureRecord {
  requestContext: OnFailureRequestContext;
  responseContext?: OnFailureResponseContext;
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo?: OnFailureBatchInfo;
  DDBStreamBatchInfo?: OnFailureBatchInfo;
}

export interface BuildOnFailureRecordOptions {
  /** Request id for a part that was never invoked; default crypto.randomUUID. */
  randomUUID?: () => string;
}

/** The on-failure record of one discarded part (§14.1, field by field). */
export function buildOnFailureRecord(
  part: DiscardedPart,
  context: OnFailureRecordContext,
  options: BuildOnFailureRecordOptions = {},
): OnFailureRecord {
  const record: OnFailureRecord = {
    requestContext: {
      requestId: part.requestId ?? (options.randomUUID ?? randomUUID)(),
      functionArn: context.functionArn,
      condition: part.condition,
      approximateInvokeCount: part.approximateInvokeCount,
    },
    ...(part.condition === 'RetryAttemptsExhausted'
      ? {
          responseContext: {
            statusCode: part.responseContext.statusCode,
            executedVersion: part.responseContext.executedVersion,
            functionError: part.responseContext.functionError,
          },
        }
      : {}),
    version: '1.0',
    timestamp: formatTimestamp(part.discardedAt),
    [context.batchInfoKey]: {
      shardId: context.shardId,
      startSequenceNumber: part.startSequenceNumber,
      endSequenceNumber: part.endSequenceNumber,
      approximateArrivalOfFirstRecord: formatArrivalTime(part.approximateArrivalOfFirstRecord, context.arrivalTimePrecision),
      approximateArrivalOfLastRecord: formatArrivalTime(part.approximateArrivalOfLastRecord, context.arrivalTimePrecision),
      batchSize: part.batchSize,
      streamArn: context.streamArn,
    },
  };
  return record;
}

/** `timestamp`: ISO 8601 UTC with milliseconds (`2019-11-14T00:38:06.021Z`). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * `approximateArrivalOf{First,Last}Record`: Kinesis with milliseconds
 * (`2019-11-14T00:38:04.835Z`), DynamoDB in whole seconds, truncated (`2019-11-14T00:13:19Z`).
 */
export function formatArrivalTime(ms: number, precision: 'milliseconds' | 'seconds'): string {
  if (precision === 'milliseconds') return new Date(ms).toISOString();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The shard id and discard time of a record, whichever batch info key it carries. */
function batchInfoOf(record: OnFailureRecord): OnFailureBatchInfo {
  const info = record.KinesisBatchInfo ?? record.DDBStreamBatchInfo;
  if (!info) throw new TypeError('On-failure record without KinesisBatchInfo or DDBStreamBatchInfo');
  return info;
}

export interface S3OnFailureObject {
  key: string;
  /** The record plus `payload`, as JSON. */
  body: string;
  contentType: 'application/json';
}

/**
 * The S3 object of an on-failure record (§14.2): key
 * `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>` from the
 * discard time (UTC), body = the record plus `payload`, the event of the discarded records
 * (`{"Records":[...]}` exactly as the target received, or would have received, them) as a
 * JSON string.
 */
export function buildS3OnFailureObject(
  record: OnFailureRecord,
  options: { mappingId: string; payload: string; randomUUID?: () => string },
): S3OnFailureObject {
  const info = batchInfoOf(record);
  const iso = record.timestamp; // YYYY-MM-DDTHH:MM:SS.mmmZ
  const [date = '', time = ''] = iso.split('T');
  const [year, month, day] = date.split('-');
  const clock = time.slice(0, 8).replaceAll(':', '.');
  const uuid = (options.randomUUID ?? randomUUID)();
  const key = `aws/lambda/${options.mappingId}/${info.shardId}/${year}/${month}/${day}/${date}T${clock}-${uuid}`;
  return { key, body: JSON.stringify({ ...record, payload: options.payload }), contentType: 'application/json' };
}
