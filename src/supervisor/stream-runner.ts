/**
 * Builds and replaces the stream poller (Kinesis or DynamoDB Streams) of one mapping in
 * this process as its settings change. Checkpoints live in Redis, so a replaced poller's
 * successor resumes where it stopped: updates neither replay nor skip (streams.md §5).
 */
import type { Redis } from 'ioredis';
import type { AwsClients } from '../aws/clients.js';
import { compileFilterCriteria } from '../filtering/index.js';
import type { StoredMapping } from '../mappings/model.js';
import { resolveStreamRuntimeSettings } from '../mappings/runtime-settings.js';
import type { MappingStore } from '../mappings/store.js';
import type { Logger } from '../observability/logger.js';
import type { SluiceMetrics } from '../observability/metrics.js';
import type { InvokePipeline } from '../pipeline/index.js';
import { createStreamSource } from '../sources/stream-sources.js';
import { StreamPoller } from '../sources/streams/stream-poller.js';
import type { StreamReading } from '../sources/streams/read-settings.js';
import type { OnFailureDestinations } from '../destinations/index.js';
import type { AttemptTracer } from '../sources/invocation-attempts.js';

export interface StreamRunnerDependencies {
  redis: Redis;
  prefix: string;
  accountId: string;
  clients: AwsClients;
  pipeline: InvokePipeline;
  store: MappingStore;
  logger: Logger;
  workerId: string;
  liveWorkers: () => readonly string[];
  leaseMs: number;
  destinations: OnFailureDestinations;
  /** For the stream poller's counts (polled, filtered out, iterator age, leases...). */
  metrics?: SluiceMetrics;
  /** The process's `streams.*` read settings and its one buffer accountant (streams.md §4). */
  reading: StreamReading;
  /** The mapping's invocation trace, kept across its pollers. */
  trace?: AttemptTracer;
}

export class StreamRunner {
  private poller?: StreamPoller;
  private settingsKey?: string;

  constructor(
    private readonly uuid: string,
    private readonly deps: StreamRunnerDependencies,
  ) {}

  /** Runs the mapping with these settings; a change stops the old poller first (its batch ends and is checkpointed). */
  async run(mapping: StoredMapping): Promise<void> {
    const key = JSON.stringify([mapping.FunctionArn, mapping.settings]);
    if (this.poller && key === this.settingsKey) {
      // Nothing of the settings changed; a rewind may have begun or ended: look now, not at the next round.
      this.poller.wake();
      return;
    }
    await this.stop();
    const settings = resolveStreamRuntimeSettings(mapping);
    const logger = this.deps.logger.child({ mappingId: this.uuid, source: settings.sourceType });
    const source = createStreamSource(mapping.EventSourceArn, { clients: this.deps.clients, accountId: this.deps.accountId });
    this.poller = new StreamPoller(
      {
        ...settings,
        ...(settings.filterPatterns.length > 0 ? { filter: compileFilterCriteria(settings.filterPatterns, settings.sourceType) } : {}),
        // Unknown retention (the describe call failed): the 24 h both services keep by default.
        retentionMs: await source.retentionMs().catch(() => 24 * 3600 * 1000),
        settingsFingerprint: key,
      },
      {
        source,
        destinations: this.deps.destinations,
        redis: this.deps.redis,
        prefix: this.deps.prefix,
        workerId: this.deps.workerId,
        liveWorkers: this.deps.liveWorkers,
        submit: (data) => this.deps.pipeline.submit(data),
        report: (result) => this.deps.store.reportProcessingResult(this.uuid, result),
        logger,
        leaseMs: this.deps.leaseMs,
        reading: this.deps.reading,
        ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}),
        ...(this.deps.trace ? { trace: this.deps.trace } : {}),
        notifyChanged: () => this.deps.store.notifyChanged(this.uuid),
      },
    );
    this.settingsKey = key;
    this.poller.start();
    logger.info('stream poller started');
  }

  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    this.settingsKey = undefined;
    await poller?.stop();
  }
}
