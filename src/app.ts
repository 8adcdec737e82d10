/**
 * One Sluice process: the API, the supervisor, and what they share (Redis, SDK clients,
 * the function registry). `sluice start` runs this; tests start it in-process too.
 */
import { Redis } from 'ioredis';
import type { LoadedConfig } from './config/index.js';
import { AwsClients } from './aws/clients.js';
import { FunctionRegistry } from './functions/index.js';
import { MappingStore } from './mappings/store.js';
import { MappingService, applyDeclaredMapping } from './mappings/mapping-service.js';
import { TagService } from './mappings/tag-service.js';
import { LambdaApiError } from './mappings/errors.js';
import { SourceInspector } from './sources/source-inspector.js';
import { createStreamSource } from './sources/streams/stream-source.js';
import { PinnedPositions } from './sources/streams/pinned-positions.js';
import { pinStartingPositions } from './sources/streams/start-pins.js';
import { Supervisor } from './supervisor/supervisor.js';
import { FunctionTargets, InvokePipeline, invokeBatch, openInvokeQueue } from './pipeline/index.js';
import { buildApiServer } from './api/server.js';
import { createLogger, type Logger } from './observability/logger.js';
import { SluiceMetrics } from './observability/metrics.js';
import { registerPipelineJobsGauge } from './observability/pipeline-jobs-gauge.js';
import { RateLimitedWarnings } from './observability/rate-limited-warnings.js';
import { findBrokenModuleTargets } from './targets/index.js';

export interface RunningSluice {
  /** Base URL of the API, e.g. http://127.0.0.1:7070 */
  url: string;
  port: number;
  /** This process's metrics (served at `GET /metrics`; `metrics.registry` for live views). */
  metrics: SluiceMetrics;
  stop(): Promise<void>;
}

/** A Redis that cannot be reached at start stops the process with this error. */
export class StartupError extends Error {
  override name = 'StartupError';
}

const REDIS_CONNECT_TIMEOUT_MS = 10_000;
/** /readyz answers "not ready" when Redis does not answer a PING within this long. */
const READY_PING_TIMEOUT_MS = 2_000;

async function connectRedis(url: string, name: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: name, connectTimeout: 5_000 });
  redis.on('error', () => undefined); // reconnects on its own; failures surface through commands
  try {
    await withTimeout(redis.connect(), REDIS_CONNECT_TIMEOUT_MS, `timed out after ${REDIS_CONNECT_TIMEOUT_MS} ms`);
  } catch (error) {
    redis.disconnect();
    throw new StartupError(`Cannot connect to Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`);
  }
  return redis;
}

export async function startSluice(config: LoadedConfig, logger: Logger = createLogger()): Promise<RunningSluice> {
  // A module target whose file or export is missing stops the start (only where mappings run).
  const brokenModules = config.supervisor.enabled ? await findBrokenModuleTargets(config.functions, { baseDir: config.baseDir, logger }) : undefined;
  if (brokenModules) throw new StartupError(brokenModules);
  const redis = await connectRedis(config.redis.url, 'sluice');
  const subscriber = config.supervisor.enabled ? await connectRedis(config.redis.url, 'sluice-changes') : undefined;
  const clients = new AwsClients(config);
  const store = new MappingStore(redis, config.redis.keyPrefix);
  const pinnedPositions = new PinnedPositions(redis, config.redis.keyPrefix);
  const functions = new FunctionRegistry({ region: config.region, accountId: config.accountId }, config.functions);
  const mappings = new MappingService({
    region: config.region,
    accountId: config.accountId,
    maxFiltersPerMapping: config.filters.maxPerMapping,
    store,
    functions,
    sources: new SourceInspector(clients),
    latestPins: {
      pin: (uuid, eventSourceArn, startingPosition) =>
        pinStartingPositions(createStreamSource(eventSourceArn, { clients, accountId: config.accountId }), pinnedPositions, uuid, startingPosition, logger),
      remove: (uuid) => pinnedPositions.delete(uuid),
    },
  });
  // Workers (supervisor, pollers, batch jobs) run only where the supervisor is enabled;
  // an API-only process just serves the control plane.
  const metrics = new SluiceMetrics();
  // The queue as the API shows it (/ui, queue depths in /metrics), in every process.
  const invokeQueue = openInvokeQueue(config.redis.url, config.redis.keyPrefix);
  invokeQueue.on('error', (error) => logger.warn({ err: error }, 'invoke queue (observer) error'));
  registerPipelineJobsGauge(metrics, invokeQueue);
  const targets = new FunctionTargets(functions, { baseDir: config.baseDir, clients, logger: logger.child({ component: 'targets' }) });
  const pipelineLogger = logger.child({ component: 'pipeline' });
  const invocationWarnings = new RateLimitedWarnings(pipelineLogger);
  const pipeline = subscriber
    ? new InvokePipeline({
        redisUrl: config.redis.url,
        prefix: config.redis.keyPrefix,
        workerConcurrency: config.pipeline.workerConcurrency,
        processor: (data, signal, batchId) =>
          invokeBatch(data, targets, { signal, metrics, logger: pipelineLogger.child({ mappingId: data.mappingId, batchId }), warnings: invocationWarnings }),
        logger: pipelineLogger,
        // A batch running in a process that died is taken over about as fast as its shards (streams.md §17).
        jobLockMs: config.streams.leaseMs,
        metrics,
      })
    : undefined;
  const supervisor =
    subscriber && pipeline
      ? new Supervisor({
          store,
          redis,
          subscriber,
          prefix: config.redis.keyPrefix,
          logger: logger.child({ component: 'supervisor' }),
          reconcileIntervalMs: config.supervisor.reconcileIntervalMs,
          heartbeatIntervalMs: config.supervisor.heartbeatIntervalMs,
          workerTimeoutMs: config.supervisor.workerTimeoutMs,
          shutdownTimeoutMs: config.supervisor.shutdownTimeoutMs,
          sqs: { clients, pipeline, targets, defaultMaximumConcurrency: config.sqs.defaultMaximumConcurrency },
          accountId: config.accountId,
          leaseMs: config.streams.leaseMs,
          metrics,
        })
      : undefined;

  const close = async () => {
    // Pollers first (their batches need the pipeline), then the pipeline, then connections.
    await supervisor?.stop();
    await pipeline?.close(config.supervisor.shutdownTimeoutMs);
    await targets.close();
    invocationWarnings.close();
    await invokeQueue.close().catch(() => undefined);
    clients.destroy();
    await Promise.allSettled([redis.quit(), subscriber?.quit()]);
  };

  try {
    await pipeline?.start();
    await supervisor?.start();
    await applyDeclaredMappings(config, mappings, store, functions, logger);
  } catch (error) {
    await close();
    throw error;
  }

  const api = buildApiServer({
    mappings,
    tags: new TagService(store, config),
    logger,
    ready: async () => {
      await withTimeout(redis.ping(), READY_PING_TIMEOUT_MS, 'Redis did not answer PING');
      if (supervisor && !supervisor.isRunning) throw new Error('supervisor not running');
    },
    metrics,
    invokeQueue,
    timeouts: config.api,
  });
  try {
    await api.listen({ host: config.api.host, port: config.api.port });
  } catch (error) {
    await close();
    throw new StartupError(`Cannot listen on ${config.api.host}:${config.api.port}: ${(error as Error).message}`);
  }
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const url = `http://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${port}`;
  logger.info({ url, supervisor: Boolean(supervisor) }, 'sluice started');

  return {
    url,
    port,
    metrics,
    async stop() {
      await api.close();
      await close();
      logger.info('sluice stopped');
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Declared mappings are applied before the API opens; a bad one stops the start. */
async function applyDeclaredMappings(
  config: LoadedConfig,
  service: MappingService,
  store: MappingStore,
  functions: FunctionRegistry,
  logger: Logger,
): Promise<void> {
  for (const [index, body] of config.mappings.entries()) {
    // A mapping still settling from a previous change answers ResourceInUse: wait for it.
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await applyDeclaredMapping(service, store, functions, body);
        logger.info({ mappingId: result.uuid, action: result.action }, 'declared mapping applied');
        break;
      } catch (error) {
        if (error instanceof LambdaApiError && error.type === 'ResourceInUseException' && attempt < 30) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        const detail = error instanceof LambdaApiError ? `${error.type}: ${error.message}` : (error as Error).message;
        throw new StartupError(`mappings[${index}] (${String(body.EventSourceArn)} -> ${String(body.FunctionName)}): ${detail}`);
      }
    }
  }
}
