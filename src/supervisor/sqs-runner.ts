/**
 * Builds and replaces the SQS poller of one mapping in this process as its settings change.
 */
import type { Redis } from 'ioredis';
import type { AwsClients } from '../aws/clients.js';
import { compileFilterCriteria } from '../filtering/index.js';
import { parseEventSourceArn } from '../mappings/event-source-arn.js';
import type { StoredMapping } from '../mappings/model.js';
import { resolveSqsRuntimeSettings } from '../mappings/runtime-settings.js';
import type { MappingStore } from '../mappings/store.js';
import type { Logger } from '../observability/logger.js';
import type { SluiceMetrics } from '../observability/metrics.js';
import type { FunctionTargets, InvokePipeline } from '../pipeline/index.js';
import { ConcurrencySlots } from '../sources/sqs/concurrency-slots.js';
import { SqsPoller } from '../sources/sqs/sqs-poller.js';
import type { AttemptTracer } from '../sources/invocation-attempts.js';
import { mappingStateKeys } from '../redis/keyspace.js';

export interface SqsRunnerDependencies {
  redis: Redis;
  prefix: string;
  clients: AwsClients;
  pipeline: InvokePipeline;
  targets: FunctionTargets;
  store: MappingStore;
  logger: Logger;
  defaultMaximumConcurrency: number;
  /** How long a concurrency slot lasts unless renewed (concurrency-slots.ts). */
  slotLeaseMs: number;
  metrics?: SluiceMetrics;
  /** The mapping's invocation trace, kept across its pollers. */
  trace?: AttemptTracer;
}

export class SqsRunner {
  private poller?: SqsPoller;
  private settingsKey?: string;
  private slots?: ConcurrencySlots;
  /** Replaced pollers still finishing their batches. */
  private readonly draining = new Set<Promise<void>>();
  /** Stopped pollers whose receives may still be open (SqsPoller.stop, stage 2). */
  private readonly receiving = new Set<Promise<void>>();

  constructor(
    private readonly uuid: string,
    private readonly deps: SqsRunnerDependencies,
  ) {}

  /**
   * Runs the mapping with these settings. A changed mapping gets a new poller at once; the
   * old one finishes its closed batches under the old settings (sqs.md §10).
   */
  run(mapping: StoredMapping, liveWorkers: number): void {
    const key = JSON.stringify([mapping.FunctionArn, mapping.settings]);
    const settings = resolveSqsRuntimeSettings(mapping, { defaultMaximumConcurrency: this.deps.defaultMaximumConcurrency });
    // Batches in flight over all processes (sqs.md §3), shared among the live workers.
    const cap = settings.maximumConcurrency;
    const share = Math.ceil(cap / Math.max(1, liveWorkers));
    if (this.poller && key === this.settingsKey) {
      this.poller.setLocalSlots(share);
      return;
    }
    const previous = this.poller;
    const source = parseEventSourceArn(mapping.EventSourceArn)!;
    this.slots ??= new ConcurrencySlots(this.deps.redis, mappingStateKeys(this.deps.prefix, this.uuid).sqsSlots, this.deps.slotLeaseMs);
    const logger = this.deps.logger.child({ mappingId: this.uuid, source: 'sqs' });
    this.poller = new SqsPoller(
      {
        ...settings,
        source,
        functionTimeoutMs: this.deps.targets.timeoutMs(mapping.FunctionArn),
        invocationLimitMs: this.deps.targets.invocationLimitMs(mapping.FunctionArn),
        ...(settings.filterPatterns.length > 0 ? { filter: compileFilterCriteria(settings.filterPatterns, 'sqs') } : {}),
      },
      {
        sqs: this.deps.clients.get('sqs', source.region),
        slots: this.slots,
        submit: (data) => this.deps.pipeline.submit(data),
        report: (result) => this.deps.store.reportProcessingResult(this.uuid, result),
        logger,
        ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}),
        ...(this.deps.trace ? { trace: this.deps.trace } : {}),
      },
    );
    this.settingsKey = key;
    this.poller.start(share);
    logger.info({ cap, share }, previous ? 'sqs poller restarted with new settings' : 'sqs poller started');
    if (previous) {
      const drained = previous.stop().finally(() => this.draining.delete(drained));
      this.draining.add(drained);
      this.awaitReceives(previous);
    }
  }

  /**
   * Stops polling and waits until in-flight batches are applied; receives still open end
   * later on their own (`receivesEnded`).
   */
  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    this.settingsKey = undefined;
    const stopping = poller?.stop();
    if (poller) this.awaitReceives(poller);
    await Promise.allSettled([stopping, ...this.draining]);
    this.slots?.close();
    this.slots = undefined;
  }

  /** Every stopped poller's receives have ended and what they returned was given back. */
  async receivesEnded(): Promise<void> {
    while (this.receiving.size > 0) await Promise.allSettled([...this.receiving]);
  }

  private awaitReceives(poller: SqsPoller): void {
    const ended = poller.receivesEnded().finally(() => this.receiving.delete(ended));
    this.receiving.add(ended);
  }

  get isRunning(): boolean {
    return this.poller !== undefined;
  }
}
