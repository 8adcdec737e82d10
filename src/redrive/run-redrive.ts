/**
 * `sluice redrive --mapping UUID [--from ARN] [--dry-run] [--limit N]` (issue #16): brings
 * back what a mapping failed on. It drives Sluice from outside, like a user: the mapping
 * through GetEventSourceMapping, invocations through Sluice's invocation route (the targets
 * live in the Sluice process); the destination, the stream and the queues through the SDK
 * (endpoints from the config: `aws.services.*`, AWS_ENDPOINT_URL_*); its idempotency record
 * in Sluice's Redis (`redis.*`).
 *
 *   stream mapping   on-failure records (SQS queue, S3 bucket) -> ranges re-read and invoked
 *                    (stream-redrive.ts); SNS cannot be read back
 *   SQS mapping      the source queue's DLQ -> moved back to the source queue (dlq-redrive.ts)
 *
 * Exit codes: 0 all done; 1 something failed again or was trimmed; 2 could not start.
 */
import type { Redis } from 'ioredis';
import { AwsClients } from '../aws/clients.js';
import type { LoadedConfig } from '../config/index.js';
import { parseDestinationArn } from '../destinations/destination-arn.js';
import { compileFilterCriteria, InvalidFilterPatternError } from '../filtering/index.js';
import { parseEventSourceArn } from '../mappings/event-source-arn.js';
import { connectRedis, RedisConnectError } from '../redis/connect.js';
import { redisTarget } from '../redis/connection-options.js';
import { configuredKeyspacePrefix } from '../redis/keyspace.js';
import { createStreamSource } from '../sources/stream-sources.js';
import { approximateDepth, redriveDlq } from './dlq-redrive.js';
import { deadLetterTargetOf, queueUrlOf } from '../aws/sqs-queues.js';
import { DoneRanges } from './done-ranges.js';
import { s3FailedRanges, sqsFailedRanges } from './failed-ranges.js';
import { dlqSummary, exitCodeOf, RedriveProgress, streamSummary } from './progress.js';
import { SluiceApi, SluiceApiError, type MappingConfiguration } from './sluice-api.js';
import { redriveStream } from './stream-redrive.js';
import { configuredEndpoint, givenApiEndpoint } from '../config/api-url.js';

export interface RedriveOptions {
  mapping: string;
  from?: string;
  dryRun?: boolean;
  limit?: number;
  /** Sluice's API; default AWS_ENDPOINT_URL_LAMBDA, else the config's `api.host` and `api.port`. */
  endpointUrl?: string;
}

export interface RedriveIo {
  out: (line: string) => void;
  /** Where the status line goes when it is a TTY. */
  tty?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** Why the run could not start: one line, exit 2. */
export class RedriveStartError extends Error {
  override name = 'RedriveStartError';
}

export async function runRedrive(options: RedriveOptions, config: LoadedConfig, io: RedriveIo): Promise<0 | 1 | 2> {
  const env = io.env ?? process.env;
  const endpoint = givenApiEndpoint(options.endpointUrl, env) ?? configuredEndpoint(config);
  const api = new SluiceApi({ endpoint, region: config.region });
  const clients = new AwsClients(config);
  let redis: Redis | undefined;
  /** Once items are being redriven, a failure ends the run with exit 1 (what was done stays done), not 2. */
  let started = false;
  try {
    const mapping = await api.getMapping(options.mapping);
    const source = parseEventSourceArn(mapping.EventSourceArn ?? '');
    if (!source) throw new RedriveStartError(`mapping ${options.mapping} reads ${mapping.EventSourceArn ?? 'nothing'}, which is not an SQS queue, Kinesis stream or DynamoDB stream`);
    const dryRun = options.dryRun ?? false;
    if (source.type === 'sqs') {
      const sqs = clients.get('sqs', source.region);
      const sourceUrl = await queueUrlOf(sqs, source.name, source.account);
      const dlqArn = options.from ?? (await deadLetterTargetOf(sqs, sourceUrl));
      if (!dlqArn) throw new RedriveStartError(`queue ${source.arn} has no RedrivePolicy (no dead-letter queue): give the queue to move from with --from`);
      const dlq = parseDestinationArn(dlqArn);
      if (dlq?.type !== 'sqs') throw new RedriveStartError(`--from ${dlqArn} is not an SQS queue ARN`);
      const dlqUrl = await queueUrlOf(clients.get('sqs', dlq.region), dlq.name, dlq.account);
      const progress = new RedriveProgress({ out: io.out, unit: 'messages', ...(io.tty ? { tty: io.tty } : {}) });
      io.out(`${dryRun ? 'dry run: ' : ''}moving messages of ${dlqArn} back to ${source.arn} (mapping ${options.mapping})`);
      const depth = await approximateDepth(sqs, dlqUrl).catch(() => undefined);
      progress.expect(depth === undefined ? options.limit : Math.min(depth, options.limit ?? depth));
      started = true;
      await redriveDlq({ sqs, dlqUrl, sourceUrl, sourceFifo: source.fifo === true, progress, dryRun, ...(options.limit !== undefined ? { limit: options.limit } : {}) });
      progress.finish(dlqSummary(progress.tally, dryRun));
      return exitCodeOf(progress.tally);
    }
    const settings = streamSettings(mapping, source.type);
    const destinationArn = options.from ?? mapping.DestinationConfig?.OnFailure?.Destination;
    if (!destinationArn) throw new RedriveStartError(`mapping ${options.mapping} has no on-failure destination: give the queue or bucket to read with --from`);
    const destination = parseDestinationArn(destinationArn);
    if (!destination) throw new RedriveStartError(`${destinationArn} is not an SQS queue, SNS topic or S3 bucket ARN`);
    if (destination.type === 'sns') {
      throw new RedriveStartError(
        `the on-failure destination ${destinationArn} is an SNS topic: SNS cannot be read back. Subscribe an SQS queue to the topic (raw message delivery) and give it with --from`,
      );
    }
    const failed = destination.type === 'sqs' ? sqsFailedRanges(clients, destination) : s3FailedRanges(clients, destination, options.mapping);
    redis = await connectRedis(redisTarget(config.redis), 'sluice-redrive');
    const done = new DoneRanges(redis, configuredKeyspacePrefix(config.redis), options.mapping);
    const stream = createStreamSource(source.arn, { clients, accountId: config.accountId });
    const progress = new RedriveProgress({ out: io.out, unit: 'ranges', ...(io.tty ? { tty: io.tty } : {}) });
    io.out(`${dryRun ? 'dry run: ' : ''}redriving mapping ${options.mapping} (${stream.streamArn} -> ${mapping.FunctionArn ?? '?'}) from ${failed.description}`);
    progress.expect(options.limit);
    started = true;
    await redriveStream({ settings, source: stream, failed, done, api, progress, dryRun, ...(options.limit !== undefined ? { limit: options.limit } : {}) });
    progress.finish(streamSummary(progress.tally, dryRun));
    return exitCodeOf(progress.tally);
  } catch (error) {
    if (started) throw error;
    if (error instanceof RedriveStartError) throw error;
    const fromAws = typeof (error as { $metadata?: unknown }).$metadata === 'object';
    if (error instanceof SluiceApiError || error instanceof RedisConnectError || fromAws) {
      throw new RedriveStartError(`${fromAws ? `${(error as Error).name}: ` : ''}${(error as Error).message}`);
    }
    throw error;
  } finally {
    api.close();
    clients.destroy();
    redis?.disconnect();
  }
}

/** The mapping's batch settings as the API answers them (api.md §3 defaults applied by Sluice already). */
function streamSettings(mapping: MappingConfiguration, sourceType: 'kinesis' | 'dynamodb') {
  const uuid = mapping.UUID ?? '';
  if ((mapping.TumblingWindowInSeconds ?? 0) > 0) {
    // (chosen) A windowed mapping's events carry its window and state (streams.md §15),
    // which cannot be rebuilt for a range on its own.
    throw new RedriveStartError(`mapping ${uuid} has TumblingWindowInSeconds: its events carry window state, which a redrive cannot rebuild; redrive is for mappings without tumbling windows`);
  }
  const filters = mapping.FilterCriteria?.Filters ?? [];
  let filter;
  try {
    filter = filters.length > 0 ? compileFilterCriteria(filters, sourceType) : undefined;
  } catch (error) {
    if (error instanceof InvalidFilterPatternError) throw new RedriveStartError(`mapping ${uuid}'s FilterCriteria do not compile: ${error.message}`);
    throw error;
  }
  return {
    mappingId: uuid,
    functionArn: mapping.FunctionArn ?? '',
    batchSize: mapping.BatchSize ?? 100,
    reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    parallelizationFactor: mapping.ParallelizationFactor ?? 1,
    ...(filter ? { filter } : {}),
  };
}
