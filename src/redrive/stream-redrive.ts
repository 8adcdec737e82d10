/**
 * `sluice redrive` for a Kinesis or DynamoDB Streams mapping (issue #16): each on-failure
 * record of its destination names a range (`shardId`, `startSequenceNumber`,
 * `endSequenceNumber`); the range is read again from the stream (range-reader.ts), invoked
 * through Sluice in batches of the mapping's BatchSize (and at most 6 MB, as the mapping
 * cuts them), and the record is removed only when every batch succeeded.
 *
 * Decisions (chosen):
 * - A range's batches run in order and the first failed one ends the range: later records of
 *   a shard are not processed before earlier ones succeeded. Nothing is tried again within a
 *   run (a run is the retry; the failure is reported with its cause).
 * - With ReportBatchItemFailures, a response naming records fails the batch (the whole
 *   range stays in the destination: its on-failure record cannot be split).
 * - Idempotency: a succeeded range is written to Redis (done-ranges.ts) before its record is
 *   removed; a record found there is not invoked again, only removed.
 * - Partly trimmed ranges: the records still in the stream are invoked, the shortfall is
 *   reported as trimmed (exit 1). A range of which nothing is left invokes nothing and its
 *   record stays in the destination for the user to look at.
 * - Entries that are not on-failure records, or are another mapping's (another stream or
 *   function: a destination may be shared), are reported and left where they are.
 */
import type { OnFailureBatchInfo, OnFailureRecord } from '../destinations/on-failure-record.js';
import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES } from '../pipeline/payload-limit.js';
import { readBatchItemFailures } from '../sources/batch-item-failures.js';
import type { StreamRecord, StreamSource } from '../sources/streams/stream-source.js';
import type { DoneRanges } from './done-ranges.js';
import { recordIdentity } from './done-ranges.js';
import type { FailedRangeEntry, FailedRangeSource } from './failed-ranges.js';
import type { RedriveProgress } from './progress.js';
import { readRange, type ReadSettings } from './range-reader.js';
import { SluiceApiError, type InvocationAnswer, type SluiceApi } from './sluice-api.js';

export interface StreamRedriveSettings extends ReadSettings {
  mappingId: string;
  functionArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
}

export interface StreamRedriveOptions {
  settings: StreamRedriveSettings;
  source: StreamSource;
  failed: FailedRangeSource;
  done: Pick<DoneRanges, 'isDone' | 'markDone'>;
  api: Pick<SluiceApi, 'invoke'>;
  progress: RedriveProgress;
  dryRun: boolean;
  /** On-failure records to take at most. */
  limit?: number;
  now?: () => number;
}

/** `function:NAME` of a function ARN, without its qualifier. */
const functionNameOf = (arn: string): string => arn.split(':')[6] ?? arn;

/** The batches of a range: BatchSize records, and a record that would cross 6 MB starts the next (streams.md §8). */
export function cutBatches(records: readonly StreamRecord[], batchSize: number): StreamRecord[][] {
  const batches: StreamRecord[][] = [];
  let current: StreamRecord[] = [];
  let bytes = PAYLOAD_ENVELOPE_BYTES;
  for (const record of records) {
    const added = record.sizeBytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= batchSize || bytes + added > MAX_PAYLOAD_BYTES)) {
      batches.push(current);
      current = [];
      bytes = PAYLOAD_ENVELOPE_BYTES;
    }
    bytes += record.sizeBytes + (current.length > 0 ? 1 : 0);
    current.push(record);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Why a batch's answer is not a success for the mapping; undefined when it is one. */
export function failureOf(answer: InvocationAnswer, batch: readonly StreamRecord[], reportBatchItemFailures: boolean): string | undefined {
  if (answer.Outcome === 'function-error') {
    return `function error (${answer.FunctionError ?? 'Unhandled'}${answer.ErrorType ? `, ${answer.ErrorType}` : ''}): ${answer.ErrorMessage ?? ''}`;
  }
  if (answer.Outcome === 'invocation-error') {
    return `invocation error (${answer.Reason ?? 'unknown'}${answer.ErrorCode ? `, ${answer.ErrorCode}` : ''}): ${answer.ErrorMessage ?? ''}`;
  }
  if (!reportBatchItemFailures) return undefined;
  const verdict = readBatchItemFailures(answer.Response, answer.ResponseIsJson ?? true, new Set(batch.map((r) => r.sequenceNumber)));
  if (verdict.kind === 'partial-failure') return `partial failure: ${verdict.failedIds.size} of ${batch.length} records in batchItemFailures`;
  if (verdict.kind === 'complete-failure') return `the response fails the whole batch (ReportBatchItemFailures): ${verdict.reason}`;
  return undefined;
}

const describeRange = (info: OnFailureBatchInfo): string => `${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber}`;

export async function redriveStream(options: StreamRedriveOptions): Promise<void> {
  const { failed, progress, limit } = options;
  const tally = progress.tally;
  const now = options.now ?? Date.now;
  let taken = 0;
  let stopped: string | undefined;
  /**
   * Entries left in the destination, released only at the end: an SQS message made visible
   * at once would be received again by this very run.
   */
  const kept: FailedRangeEntry[] = [];
  try {
    for (;;) {
      if (stopped !== undefined || (limit !== undefined && taken >= limit)) break;
      const entries = await failed.next();
      if (entries.length === 0) break;
      for (const entry of entries) {
        if (stopped !== undefined || (limit !== undefined && taken >= limit)) {
          kept.push(entry);
          continue;
        }
        taken++;
        tally.items++;
        try {
          if ((await redriveEntry(entry, options, now)) === 'keep') kept.push(entry);
        } catch (error) {
          tally.failed++;
          kept.push(entry);
          const cause = (error as Error).message;
          progress.line(`failed    ${entry.where}: ${cause}`);
          // Sluice itself is gone or refuses: every further range would fail the same way.
          if (error instanceof SluiceApiError) stopped = cause;
        }
        progress.draw();
      }
    }
  } finally {
    for (const entry of kept) {
      await failed.release(entry).catch((error: unknown) => progress.line(`warning   ${entry.where} stays hidden for a while: ${(error as Error).message}`));
    }
  }
  if (stopped !== undefined) progress.line(`stopped: ${stopped}; the ranges not reached stay in ${failed.description}`);
}

/** One on-failure record: 'removed' from the destination, or 'keep' it there. */
async function redriveEntry(entry: FailedRangeEntry, options: StreamRedriveOptions, now: () => number): Promise<'removed' | 'keep'> {
  const { settings, source, failed, done, progress, dryRun } = options;
  const tally = progress.tally;
  if ('problem' in entry.parsed) {
    tally.ignored++;
    progress.line(`ignored   ${entry.where}: ${entry.parsed.problem}`);
    return 'keep';
  }
  const { record, info } = entry.parsed;
  const other = otherMapping(record, info, source.streamArn, settings.functionArn);
  if (other) {
    tally.ignored++;
    progress.line(`ignored   ${entry.where}: ${other}`);
    return 'keep';
  }
  const identity = recordIdentity(record, info);
  if (await done.isDone(identity)) {
    tally.alreadyDone++;
    if (dryRun) {
      progress.line(`done      ${describeRange(info)}: redriven by an earlier run; its record would be removed`);
      return 'keep';
    }
    await failed.remove(entry);
    progress.line(`done      ${describeRange(info)}: redriven by an earlier run; record removed`);
    return 'removed';
  }
  const read = await readRange(source, { ...info, batchSize: info.batchSize }, settings);
  tally.trimmed += read.trimmed;
  if (read.records.length === 0) {
    progress.line(`trimmed   ${describeRange(info)}: ${read.trimmedBecause ?? 'no record left'}; nothing invoked, the record stays in ${failed.description}`);
    return 'keep';
  }
  const trimmedNote = read.trimmed > 0 ? `; ${read.trimmed} record(s) trimmed: ${read.trimmedBecause ?? ''}` : '';
  const batches = cutBatches(read.records, settings.batchSize);
  if (dryRun) {
    tally.done++;
    tally.records += read.records.length;
    progress.line(`would     ${describeRange(info)}: ${read.records.length} record(s) in ${batches.length} batch(es)${trimmedNote}`);
    return 'keep';
  }
  for (const [index, batch] of batches.entries()) {
    const payload = `{"Records":[${batch.map((r) => JSON.stringify(r.event)).join(',')}]}`;
    const answer = await options.api.invoke(settings.functionArn, settings.mappingId, payload);
    const failure = failureOf(answer, batch, settings.reportBatchItemFailures);
    if (failure) {
      tally.failed++;
      progress.line(`failed    ${describeRange(info)}: batch ${index + 1} of ${batches.length} (${batch.length} records): ${failure}; the record stays in ${failed.description}${trimmedNote}`);
      return 'keep';
    }
    tally.records += batch.length;
    progress.draw();
  }
  await done.markDone(identity, now());
  await failed.remove(entry);
  tally.done++;
  progress.line(`redriven  ${describeRange(info)}: ${read.records.length} record(s) in ${batches.length} batch(es); record removed${trimmedNote}`);
  return 'removed';
}

/** Why a record is another mapping's (another stream, another function), or undefined. */
function otherMapping(record: OnFailureRecord, info: OnFailureBatchInfo, streamArn: string, functionArn: string): string | undefined {
  if (info.streamArn !== streamArn) return `another stream's record (${info.streamArn})`;
  if (functionNameOf(record.requestContext.functionArn) !== functionNameOf(functionArn)) return `another function's record (${record.requestContext.functionArn})`;
  return undefined;
}
