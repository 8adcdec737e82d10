/**
 * One shard of one stream mapping, in the process holding its lease (streams.md §4–§8):
 * reads records in order, filters them, builds a batch (BatchSize, window, 6 MB), invokes
 * it through the batch pipeline with one batch in flight, and moves the fenced checkpoint
 * only when the batch has ended. The shard's end is checkpointed as SHARD_END, which
 * releases its children.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledFilter } from '../../filtering/index.js';
import type { Logger } from '../../observability/logger.js';
import { FUNCTION_NOT_CONFIGURED, type BatchJobData, type BatchJobResult } from '../../pipeline/index.js';
import type { InvocationOutcome } from '../../targets/index.js';
import type { Checkpoints } from './checkpoints.js';
import { SHARD_END } from './sequence-numbers.js';
import type { Lease } from './shard-leases.js';
import { StreamSourceError } from './stream-errors.js';
import type { IteratorPosition, StreamRecord, StreamSource } from './stream-source.js';
import { createBatchState, runStreamBatch, settledUpTo, type DiscardGroup, type StreamBatchConfig } from '../../pipeline/streams/index.js';
import { buildOnFailureRecord, type OnFailureDestinations } from '../../destinations/index.js';

import { MAX_PAYLOAD_BYTES, PAYLOAD_ENVELOPE_BYTES as ENVELOPE_BYTES } from '../../pipeline/payload-limit.js';
const FIRST_BACKOFF_MS = 1000;
const MAX_READ_BACKOFF_MS = 10_000;

export interface ShardProcessorSettings {
  mappingId: string;
  functionArn: string;
  shardId: string;
  batchSize: number;
  windowSeconds: number;
  filter?: CompiledFilter;
  /** What the filter sees of an event record (filtering.md §5). */
  filterView: (event: Readonly<Record<string, unknown>>) => unknown;
  /** Where to start when the shard has no checkpoint (streams.md §3); undefined: nothing to read. */
  start: IteratorPosition | undefined;
  policy: StreamBatchConfig;
  /** DestinationConfig.OnFailure.Destination, when set. */
  destination?: string;
}

export interface ShardProcessorDependencies {
  source: StreamSource;
  checkpoints: Checkpoints;
  submit: (data: BatchJobData) => Promise<BatchJobResult>;
  report: (result: { invocation?: string; readError?: string | null }) => Promise<void>;
  /** Sends discarded records to on-failure destinations. */
  destinations?: OnFailureDestinations;
  /** The lease moved: the shard stops at once, without another checkpoint. */
  onLeaseLost: (shardId: string) => void;
  /** Whether the lease is still this processor's (asked before each invocation). */
  leaseHeld: (lease: Lease) => Promise<boolean>;
  /** The shard was read to its end and checkpointed SHARD_END. */
  onShardEnd: (shardId: string) => void;
  logger: Logger;
}

class LeaseLostError extends Error {}

export class ShardProcessor {
  private running = true;
  /** Aborted when the lease is lost: nothing more may be written. */
  private readonly stopController = new AbortController();
  /** Any stop: no further retry of a failing batch starts. */
  private readonly retryStop = new AbortController();
  /** Aborted on any stop: cuts short idle waits and retry delays. */
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  /** Records read and kept by the filter, not yet in a batch. */
  private buffered: StreamRecord[] = [];
  /** Last sequence number read (kept or filtered): where a new iterator resumes. */
  private lastRead?: string;
  /** Last filtered-out record read after every kept record: done once nothing before it is pending. */
  private filteredTail?: string;
  /** Kept record still pending -> last filtered-out record read right after it: done along with it (streams.md §5). */
  private readonly filteredAfter = new Map<string, string>();
  private lastReport?: string;

  constructor(
    readonly settings: ShardProcessorSettings,
    private lease: Lease,
    private readonly deps: ShardProcessorDependencies,
  ) {}

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      if (error instanceof LeaseLostError) {
        this.deps.onLeaseLost(this.settings.shardId);
        return;
      }
      if (!this.running) return;
      this.deps.logger.error({ err: error }, 'shard processor failed');
      this.deps.onLeaseLost(this.settings.shardId);
    });
  }

  /** The balancer took the lease again (new token): keep going under it. */
  updateLease(lease: Lease): void {
    this.lease = lease;
  }

  /**
   * Stops reading; the invocation in flight ends first and its outcome is applied (its
   * checkpoint is written), but no retry starts: records still pending stay behind the
   * checkpoint and are read again by the next poller (streams.md §17). With `abandon`, used
   * when the lease is gone, nothing more is written.
   */
  async stop(abandon = false): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.retryStop.abort();
    if (abandon) this.stopController.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { source, checkpoints } = this.deps;
    const { shardId } = this.settings;
    const checkpoint = await checkpoints.get(this.settings.mappingId, shardId);
    if (checkpoint === SHARD_END) return this.deps.onShardEnd(shardId);
    const position: IteratorPosition | undefined =
      checkpoint !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : this.settings.start;
    let iterator = position ? await this.withRetries(() => source.getIterator(shardId, position)) : undefined;
    let ended = iterator === undefined;
    let readBackoff = 0;

    while (this.running) {
      const batch = this.takeBatch();
      const windowMs = this.settings.windowSeconds * 1000;
      let openedAt = batch.records.length > 0 ? Date.now() : undefined;
      // Fill the batch: window 0 invokes as soon as a record is ready (streams.md §8).
      while (this.running && !ended && !batch.full) {
        if (batch.records.length > 0 && (windowMs === 0 || Date.now() - openedAt! >= windowMs)) break;
        let result;
        try {
          const limit = Math.min(this.settings.batchSize - batch.records.length, source.traits.maxRecordsPerRead);
          result = await source.read(shardId, iterator!, Math.max(1, limit));
          if (readBackoff > 0 || this.lastReport?.startsWith('PROBLEM: Error reading')) await this.clearReadError();
          readBackoff = 0;
        } catch (error) {
          const recovered = await this.recoverRead(error, readBackoff);
          readBackoff = recovered.backoff;
          if (recovered.iterator !== undefined) iterator = recovered.iterator;
          continue;
        }
        iterator = result.nextIterator;
        ended = iterator === undefined;
        for (const record of result.records) this.accept(record, batch.records);
        this.fill(batch);
        if (batch.records.length > 0) openedAt ??= Date.now();
        const idle = result.records.length === 0 && !((result.millisBehindLatest ?? 0) > 0);
        if (idle && !ended) {
          const wait = batch.records.length > 0 ? Math.min(source.traits.idlePollIntervalMs, Math.max(0, openedAt! + windowMs - Date.now())) : source.traits.idlePollIntervalMs;
          await this.pause(wait);
        }
        if (batch.records.length === 0 && this.filteredTail !== undefined && this.buffered.length === 0) {
          // Only filtered-out records since the last checkpoint: they are done (streams.md §5).
          await this.writeCheckpoint(this.filteredTail);
          this.filteredTail = undefined;
        }
      }
      if (batch.records.length > 0) {
        await this.invoke(batch.records);
        continue;
      }
      if (ended && this.buffered.length === 0) {
        if (this.filteredTail !== undefined) await this.writeCheckpoint(this.filteredTail);
        await this.writeCheckpoint(SHARD_END);
        this.deps.logger.info('shard read to its end');
        this.deps.onShardEnd(shardId);
        return;
      }
    }
  }

  /**
   * A record read: kept for a batch, or (filtered out) remembered as done once the kept
   * record before it is done (`batch`: the records of the batch being filled).
   */
  private accept(record: StreamRecord, batch: readonly StreamRecord[]): void {
    this.lastRead = record.sequenceNumber;
    const { filter, filterView } = this.settings;
    if (filter && !filter.acceptsAll && !filter.matches(filterView(record.event))) {
      const pending = this.buffered.at(-1) ?? batch.at(-1);
      if (pending) this.filteredAfter.set(pending.sequenceNumber, record.sequenceNumber);
      else this.filteredTail = record.sequenceNumber;
      return;
    }
    this.buffered.push(record);
  }

  private takeBatch(): { records: StreamRecord[]; bytes: number; full: boolean } {
    const batch = { records: [] as StreamRecord[], bytes: ENVELOPE_BYTES, full: false };
    this.fill(batch);
    return batch;
  }

  /** Moves buffered records into the batch while it has room (count and 6 MB). */
  private fill(batch: { records: StreamRecord[]; bytes: number; full: boolean }): void {
    while (this.buffered.length > 0 && !batch.full) {
      const next = this.buffered[0]!;
      const bytes = next.sizeBytes + (batch.records.length > 0 ? 1 : 0);
      if (batch.records.length > 0 && batch.bytes + bytes > MAX_PAYLOAD_BYTES) {
        batch.full = true;
        break;
      }
      batch.records.push(this.buffered.shift()!);
      batch.bytes += bytes;
      if (batch.records.length >= this.settings.batchSize) batch.full = true;
    }
    if (batch.records.length > 0) this.filteredTail = undefined;
  }

  /**
   * Runs the batch through the failure policy (streams.md §10–§13: retries, partial
   * failures, bisect, record age, 6 MB) until it has ended, sends what it discarded to the
   * on-failure destination (§14), then moves the checkpoint. Stopping mid-retry leaves the
   * batch unchecked: the next holder reads it again (at least once, §17).
   */
  private async invoke(records: StreamRecord[]): Promise<void> {
    if (this.stopController.signal.aborted) throw new LeaseLostError();
    const { settings, deps } = this;
    let midBatchCheckpoint: string | undefined;
    const result = await runStreamBatch({
      state: createBatchState(records.map((r) => ({ sequenceNumber: r.sequenceNumber, arrivalTime: r.arrivalTime, sizeBytes: r.sizeBytes })), Date.now()),
      config: settings.policy,
      signal: this.retryStop.signal,
      // Records before the lowest failed one of a partial failure are done (§11): the
      // checkpoint moves before the retry, unless a discard inside them still waits for
      // its on-failure delivery at the end of the batch.
      save: async (state) => {
        const upTo = settledUpTo(state);
        if (upTo === undefined || state.discards.length > 0 || upTo === midBatchCheckpoint) return;
        midBatchCheckpoint = upTo;
        await this.writeCheckpoint(upTo);
      },
      invoke: async (action) => {
        // A stolen lease is noticed at the next renewal; until then, invoke nothing more (§2).
        if (this.stopController.signal.aborted || !(await deps.leaseHeld(this.lease))) throw new LeaseLostError();
        const payload = `{"Records":[${action.indices.map((i) => JSON.stringify(records[i]!.event)).join(',')}]}`;
        try {
          const { outcome, attempts } = await deps.submit({
            mappingId: settings.mappingId,
            source: deps.source.traits.type,
            functionArn: settings.functionArn,
            payload,
            recordCount: action.indices.length,
          });
          return { outcome, invocations: attempts };
        } catch (error) {
          return { kind: 'invocation-error', reason: 'service-error', errorMessage: (error as Error).message, durationMs: 0 } satisfies InvocationOutcome;
        }
      },
      onAttempt: (report, outcome) => {
        const notConfigured = outcome.kind === 'invocation-error' && outcome.errorCode === FUNCTION_NOT_CONFIGURED;
        void this.reportInvocation(notConfigured ? 'PROBLEM: Function not found' : report.result === 'success' ? 'OK' : 'PROBLEM: Function call failed');
      },
    });
    if (result.kind === 'stopped') return;
    for (const discard of result.discards) await this.sendToDestination(discard);
    await this.writeCheckpoint(this.filteredAfter.get(result.checkpoint) ?? result.checkpoint);
    for (const record of records) this.filteredAfter.delete(record.sequenceNumber);
  }

  /** Records given up: to the on-failure destination when there is one, else dropped (AWS). */
  private async sendToDestination(discard: DiscardGroup): Promise<void> {
    const { settings, deps } = this;
    const record = buildOnFailureRecord(discard, {
      functionArn: settings.functionArn,
      shardId: settings.shardId,
      streamArn: deps.source.streamArn,
      batchInfoKey: deps.source.traits.batchInfoKey,
      arrivalTimePrecision: deps.source.traits.arrivalTimePrecision,
    });
    if (!settings.destination || !deps.destinations) {
      deps.logger.warn({ onFailure: record }, 'records discarded without an on-failure destination');
      return;
    }
    const delivery = await deps.destinations.deliver(settings.destination, record, { mappingId: settings.mappingId });
    if (!delivery.delivered) {
      // The checkpoint still moves (§14.2); the record is kept in the log.
      deps.logger.error({ onFailure: record, code: delivery.errorCode }, 'could not send to the on-failure destination');
      await deps.report({ invocation: delivery.lastProcessingResult }).catch(() => undefined);
    }
  }


  private async writeCheckpoint(position: string): Promise<void> {
    const result = await this.deps.checkpoints.write(this.lease, position);
    if (result === 'fenced') throw new LeaseLostError();
  }

  /** Reacts to a failed GetRecords (streams.md §4); returns the next backoff and maybe a new iterator. */
  private async recoverRead(error: unknown, backoff: number): Promise<{ backoff: number; iterator?: string }> {
    const { source } = this.deps;
    const { shardId } = this.settings;
    const kind = error instanceof StreamSourceError ? error.kind : 'other';
    if (kind === 'expiredIterator' || kind === 'invalidIterator') {
      const checkpoint = this.lastRead ?? (await this.deps.checkpoints.get(this.settings.mappingId, shardId));
      const position: IteratorPosition | undefined =
        checkpoint !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint } : this.settings.start;
      return { backoff, iterator: position ? await this.withRetries(() => source.getIterator(shardId, position)) : undefined };
    }
    if (kind === 'trimmed' || kind === 'positionNotFound') {
      // Behind the trim horizon: records lost to retention are not reported (AWS).
      return { backoff, iterator: await this.withRetries(() => source.getIterator(shardId, { type: 'TRIM_HORIZON' })) };
    }
    const code = error instanceof StreamSourceError ? error.code : ((error as Error).name ?? 'UnknownError');
    const next = backoff === 0 ? FIRST_BACKOFF_MS : Math.min(backoff * 2, MAX_READ_BACKOFF_MS);
    this.deps.logger.warn({ err: error, code }, 'reading the shard failed; backing off');
    await this.deps.report({ readError: `PROBLEM: Error reading from event source: ${code}` }).catch(() => undefined);
    this.lastReport = 'PROBLEM: Error reading';
    await this.pause(next);
    return { backoff: next };
  }

  private async clearReadError(): Promise<void> {
    this.lastReport = undefined;
    await this.deps.report({ readError: null }).catch(() => undefined);
  }

  private async reportInvocation(result: string): Promise<void> {
    await this.deps.report({ invocation: result }).catch(() => undefined);
  }

  /** Calls the source, backing off on errors, until it answers or the processor stops. */
  private async withRetries<T>(call: () => Promise<T>): Promise<T | undefined> {
    let backoff = 0;
    while (this.running) {
      try {
        return await call();
      } catch (error) {
        backoff = backoff === 0 ? FIRST_BACKOFF_MS : Math.min(backoff * 2, MAX_READ_BACKOFF_MS);
        this.deps.logger.warn({ err: error }, 'stream call failed; backing off');
        await this.pause(backoff);
      }
    }
    return undefined;
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
