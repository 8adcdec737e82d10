/**
 * One Sluice process: the API, the supervisor, and what they share (Redis, SDK clients,
 * the function registry). `sluice start` runs this; tests start it in-process too.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from './config/index.js';
import { AwsClients } from './aws/clients.js';
import { FunctionRegistry } from './functions/index.js';
import { MappingStore } from './mappings/store.js';
import { MappingService } from './mappings/mapping-service.js';
import { TagService } from './mappings/tag-service.js';
import { applyDeclaredMappings, checkDeclaredMappings, DeclaredMappingError, type DeclaredMappings } from './mappings/declared-mappings.js';
import { StoreMarker } from './mappings/store-marker.js';
import { AllowedResources } from './mappings/allowed-resources.js';
import { warnAboutMappingsOutsideAllowLists, warnAboutOpenAllowLists } from './mappings/allow-list-warnings.js';
import { StoreGuard } from './mappings/store-guard.js';
import { connectRedis, RedisConnectError } from './redis/connect.js';
import { redisTarget, RedisSettingsError, type RedisTarget } from './redis/connection-options.js';
import { warnUnlessNoEviction } from './redis/eviction-policy.js';
import { configuredKeyspacePrefix } from './redis/keyspace.js';
import { closeWithin, type CloseStep } from './shutdown.js';
import { SourceInspector } from './sources/source-inspector.js';
import { createStreamSource } from './sources/stream-sources.js';
import { PinnedPositions } from './sources/streams/start-position/pinned-positions.js';
import { pinStartingPositions } from './sources/streams/start-position/start-pins.js';
import { streamReading } from './sources/streams/read-settings.js';
import { Supervisor } from './supervisor/supervisor.js';
import { readLiveWorkers } from './supervisor/worker-registry.js';
import { ShardsView } from './sources/streams/view/shards-view.js';
import { FunctionTargets, InvokePipeline, invokeJob, openInvokeQueue } from './pipeline/index.js';
import type { InvocationRoutesDependencies } from './api/invocation-routes.js';
import { TraceStore } from './mappings/trace-store.js';
import { Rewinds } from './mappings/rewinds.js';
import { RewindService } from './mappings/rewind-service.js';
import { buildApiServer } from './api/server.js';
import { apiExposure, isLoopbackHost } from './api/auth/api-exposure.js';
import { createLogger, type Logger } from './observability/logger.js';
import { SluiceMetrics } from './observability/metrics.js';
import { ActivityRecorder, readActivity, readFailures } from './observability/activity.js';
import { registerPipelineJobsGauge } from './observability/pipeline-jobs-gauge.js';
import { RateLimitedWarnings, rateLimitedErrorListener } from './observability/rate-limited-warnings.js';
import { findBrokenModuleTargets, type ReloadResult } from './targets/index.js';

export interface RunningSluice {
  /** Base URL of the API, e.g. http://127.0.0.1:7070 */
  url: string;
  port: number;
  /** This process's metrics (served at `GET /metrics`; `metrics.registry` for live views). */
  metrics: SluiceMetrics;
  /** Load a module function's handler again (`sluice dev --watch`): FunctionTargets.reloadModule. */
  reloadModule: (functionName: string, reason: string) => Promise<ReloadResult | undefined>;
  stop(): Promise<void>;
}

/** A start-up problem the user can fix (Redis, the API port, a declared mapping): one line, exit 2. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** /readyz answers "not ready" when Redis does not answer a PING within this long. */
const READY_PING_TIMEOUT_MS = 2_000;
/** Beyond `shutdownTimeoutMs` (in-flight batches), how long closing connections may take. */
export const CLOSE_MARGIN_MS = 2_000;

/** Connection options from `redis.*`; an unreadable TLS file is a start-up problem. */
export function startupRedisTarget(config: LoadedConfig): RedisTarget {
  try {
    return redisTarget(config.redis);
  } catch (error) {
    throw error instanceof RedisSettingsError ? new StartupError(error.message) : error;
  }
}

/** Connects, or fails the start with one line (`Cannot connect to Redis at ...: WRONGPASS ...`). */
export async function connectAtStartup(target: RedisTarget, name: string): Promise<Redis> {
  try {
    return await connectRedis(target, name);
  } catch (error) {
    throw error instanceof RedisConnectError ? new StartupError(error.message) : error;
  }
}

/** Quits politely; a Redis that cannot take the QUIT is left at once. */
const quit = (redis: Redis | undefined) => redis?.quit().catch(() => redis.disconnect());

export async function startSluice(config: LoadedConfig, logger: Logger = createLogger()): Promise<RunningSluice> {
  // Before anything else: an API open to the network by omission never starts.
  const exposure = apiExposure(config.api);
  if (exposure.kind === 'refused') throw new StartupError(exposure.reason);
  if (exposure.kind === 'open-beyond-loopback') {
    logger.warn({ host: config.api.host }, `api.auth.mode is none on ${config.api.host}: anyone who reaches the port can create, change and delete mappings`);
  }
  // A module target whose file or export is missing stops the start (only where mappings run).
  const brokenModules = config.supervisor.enabled ? await findBrokenModuleTargets(config.functions, { baseDir: config.baseDir, logger }) : undefined;
  if (brokenModules) throw new StartupError(brokenModules);
  // Start-up order (issue #10). Nothing other processes can see (a key, a worker
  // registration, a heartbeat, a BullMQ worker) happens before step 4, so a start that
  // fails earlier, e.g. on a taken port, leaves no trace in Redis:
  //   0. check module targets (files only; above);
  //   1. connect to Redis (connections only);
  //   2. check the declared mappings: every check of a Create, writing nothing;
  //   3. bind the API port. The API may serve from here on (it only reads and writes the
  //      store), but /readyz answers 503 "starting" until step 6 is done;
  //   4. join the store (its marker is written on an empty Redis) and watch it;
  //   5. join the worker set: the BullMQ worker, then the supervisor (registration,
  //      heartbeats, pollers);
  //   6. apply the declared mappings.
  // A failure at any step closes what was started, then stops the start.
  const redisAt = startupRedisTarget(config);
  // Every key, the BullMQ queue and the change channel are built from this (tagged for Cluster).
  const prefix = configuredKeyspacePrefix(config.redis);
  const redis = await connectAtStartup(redisAt, 'sluice');
  const subscriber = config.supervisor.enabled ? await connectAtStartup(redisAt, 'sluice-changes').catch((error: unknown) => {
    redis.disconnect();
    throw error;
  }) : undefined;
  await warnUnlessNoEviction(redis, logger);
  const clients = new AwsClients(config);
  const store = new MappingStore(redis, prefix);
  const traces = new TraceStore(redis, prefix);
  const pinnedPositions = new PinnedPositions(redis, prefix);
  const functions = new FunctionRegistry({ region: config.region, accountId: config.accountId }, config.functions);
  const allowed = new AllowedResources(config);
  warnAboutOpenAllowLists(allowed, config.api.host, !isLoopbackHost(config.api.host), logger);
  const mappings = new MappingService({
    region: config.region,
    accountId: config.accountId,
    maxFiltersPerMapping: config.filters.maxPerMapping,
    store,
    functions,
    sources: new SourceInspector(clients),
    allowed,
    latestPins: {
      pin: (uuid, eventSourceArn, startingPosition) =>
        pinStartingPositions(createStreamSource(eventSourceArn, { clients, accountId: config.accountId }), pinnedPositions, uuid, startingPosition, logger),
      remove: (uuid) => pinnedPositions.delete(uuid),
    },
  });
  const declared: DeclaredMappings = { bodies: config.mappings, service: mappings, store, functions, logger };
  // Workers (supervisor, pollers, batch jobs) run only where the supervisor is enabled;
  // an API-only process just serves the control plane.
  const metrics = new SluiceMetrics();
  // The queue as the API shows it (/ui, queue depths in /metrics), in every process.
  const invokeQueue = openInvokeQueue(redisAt, prefix, { observe: true });
  const targets = new FunctionTargets(functions, { baseDir: config.baseDir, clients, logger: logger.child({ component: 'targets' }) });
  const pipelineLogger = logger.child({ component: 'pipeline' });
  const invocationWarnings = new RateLimitedWarnings(pipelineLogger, { onLogged: metrics.explainedFailure });
  // Every process counts its mappings' activity for the dashboard (observability/activity.ts: its Redis cost).
  const activity = new ActivityRecorder({ redis, prefix, logger: logger.child({ component: 'activity' }) });
  metrics.attachActivity(activity);
  invokeQueue.on('error', rateLimitedErrorListener(invocationWarnings, 'invoke queue (observer) error'));
  registerPipelineJobsGauge(metrics, invokeQueue);
  const pipeline = subscriber
    ? new InvokePipeline({
        redis: redisAt,
        prefix,
        workerConcurrency: config.pipeline.workerConcurrency,
        runLocally: config.pipeline.runLocally,
        targets,
        logger: pipelineLogger,
        invocationWarnings,
        // A batch running in a process that died is taken over about as fast as its shards (streams.md §17).
        jobLockMs: config.streams.leaseMs,
        keepJobs: config.api.ui.keepJobs,
        metrics,
      })
    : undefined;
  const marker = new StoreMarker(redis, prefix, store.orderKey);
  const supervisor: Supervisor | undefined =
    subscriber && pipeline
      ? new Supervisor({
          store,
          redis,
          subscriber,
          prefix,
          logger: logger.child({ component: 'supervisor' }),
          reconcileIntervalMs: config.supervisor.reconcileIntervalMs,
          heartbeatIntervalMs: config.supervisor.heartbeatIntervalMs,
          workerTimeoutMs: config.supervisor.workerTimeoutMs,
          shutdownTimeoutMs: config.supervisor.shutdownTimeoutMs,
          sqs: { clients, pipeline, targets, defaultMaximumConcurrency: config.sqs.defaultMaximumConcurrency },
          accountId: config.accountId,
          leaseMs: config.streams.leaseMs,
          // One buffer accountant for the whole process (streams.md §4: maxBufferedBytes is per process).
          reading: streamReading(config.streams),
          metrics,
          beforeReconcile: (): Promise<unknown> => guard.check(),
        })
      : undefined;
  const guard: StoreGuard = new StoreGuard({
    marker,
    redis,
    logger: logger.child({ component: 'store' }),
    intervalMs: config.supervisor.heartbeatIntervalMs,
    workerId: `${hostname()} pid ${process.pid}${supervisor ? ` (worker ${supervisor.workerId})` : ''}`,
    ...(supervisor ? { runningHere: () => supervisor.runningMappings() } : {}),
    onLost: async () => {
      // The jobs went with the store: their results will never come.
      pipeline?.abandonWaiters('the batch job was lost with the store (Redis lost its data)');
      await applyDeclaredMappings(declared).catch((error: unknown) =>
        logger.error({ err: error }, `re-applying the declared mappings after the store was lost failed: ${(error as Error).message}`),
      );
      await supervisor?.reconcileAll();
    },
  });

  // Any process answers the shards view, its API-only ones too: all of it is in Redis but the listing.
  const shardsView = new ShardsView({
    redis,
    prefix,
    listShards: (eventSourceArn) => createStreamSource(eventSourceArn, { clients, accountId: config.accountId }).listShards(),
    leaseMs: config.streams.leaseMs,
    logger: logger.child({ component: 'api' }),
  });

  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  const api = buildApiServer({
    mappings,
    tags: new TagService(store, config),
    logger,
    ready: async () => {
      if (phase !== 'running') throw new Error(phase);
      await withTimeout(redis.ping(), READY_PING_TIMEOUT_MS, 'Redis did not answer PING');
      const loss = await guard.unacknowledgedLoss();
      if (loss) throw new Error(loss);
      if (supervisor && !supervisor.isRunning) throw new Error('supervisor not running');
    },
    metrics,
    invokeQueue,
    timeouts: config.api,
    auth: config.api.auth,
    region: config.region,
    store: { identity: () => guard.identity, unacknowledgedLoss: () => marker.loss(), acknowledge: () => marker.acknowledge() },
    trace: { exists: (uuid) => store.exists(uuid), read: (uuid, cursor, limit) => traces.read(uuid, cursor, limit) },
    invocations: invocationsThroughTargets(),
    rewinds: new RewindService({
      store,
      rewinds: new Rewinds(redis, prefix),
      listShardIds: async (eventSourceArn) =>
        (await createStreamSource(eventSourceArn, { clients, accountId: config.accountId }).listShards()).map((shard) => shard.shardId),
      // Live as the supervisors count them (supervisor/worker-registry.ts): heartbeat within workerTimeoutMs.
      liveWorkers: async () => (await readLiveWorkers(redis, prefix, config.supervisor.workerTimeoutMs)).map((worker) => worker.workerId),
    }),
    dashboard: {
      mappings: () => store.all(),
      activity: (uuid) => readActivity(redis, prefix, uuid),
      failures: (uuid) => readFailures(redis, prefix, uuid),
    },
    shards: {
      shards: (uuid, eventSourceArn) => shardsView.read(uuid, eventSourceArn),
      workers: async () =>
        (await readLiveWorkers(redis, prefix, config.supervisor.workerTimeoutMs)).map((w) => ({ WorkerId: w.workerId, Host: w.host, Pid: w.pid, LastSeen: w.lastSeen })),
    },
  });

  /**
   * `POST /sluice/v1/functions/{name}/invocations` (api/invocation-routes.ts): for a mapping,
   * one batch job like the mapping's own (the pipeline's slots, metrics and warnings; run
   * here when this process only serves the API); without one, the target directly.
   */
  function invocationsThroughTargets(): InvocationRoutesDependencies {
    return {
      async invoke({ functionName, payload, mappingId }) {
        const fn = functions.resolve(functionName);
        if (!fn) return 'function-not-found';
        if (mappingId === undefined) {
          const resolved = targets.resolve(fn.functionArn)!;
          return { functionArn: fn.functionArn, outcome: await resolved.target.invoke(payload, resolved.context) };
        }
        const mapping = (await store.get(mappingId))?.mapping;
        if (!mapping) return 'mapping-not-found';
        const data = { mappingId, source: mapping.sourceType, functionArn: fn.functionArn, payload, recordCount: (JSON.parse(payload) as { Records?: unknown[] }).Records?.length ?? 0 };
        const result = pipeline ? await pipeline.submit(data) : await invokeJob(data, targets, { metrics, warnings: invocationWarnings, logger: pipelineLogger.child({ mappingId }) });
        return { functionArn: fn.functionArn, outcome: result.outcome };
      },
    };
  }

  let supervisorStarted = false;
  const close = (): Promise<void> => {
    const graceEndsAt = Date.now() + config.supervisor.shutdownTimeoutMs;
    // Pollers first (their batches need the pipeline), then the pipeline, then connections.
    const steps: CloseStep[] = [
      { name: 'closing the API server', run: () => api.close(), force: () => api.server.closeAllConnections() },
      {
        name: 'watching the store',
        run: async () => {
          guard.stop();
          shardsView.close();
        },
      },
      {
        name: 'stopping pollers',
        run: async () => supervisorStarted && (await supervisor?.stop()),
        pending: () => {
          const running = [...(supervisor?.runningMappings().keys() ?? [])];
          return running.length > 0 ? `mappings ${running.join(', ')}` : undefined;
        },
      },
      {
        name: 'finishing batch jobs',
        run: async () => pipeline?.close(Math.max(0, graceEndsAt - Date.now())),
        pending: () => (pipeline && pipeline.runningJobs > 0 ? `${pipeline.runningJobs} running` : undefined),
        force: () => pipeline?.disconnect(),
      },
      // The last 10 s of counts, before the connection goes.
      { name: 'flushing dashboard activity', run: () => activity.stop() },
      {
        name: 'closing function targets',
        run: async () => {
          await targets.close();
          invocationWarnings.close();
        },
      },
      { name: 'closing the invoke queue observer', run: () => invokeQueue.close(), force: () => void invokeQueue.disconnect().catch(() => undefined) },
      {
        name: 'closing Redis connections',
        run: async () => {
          clients.destroy();
          await Promise.all([quit(redis), quit(subscriber)]);
        },
        force: () => {
          clients.destroy();
          redis.disconnect();
          subscriber?.disconnect();
        },
      },
    ];
    return closeWithin(steps, config.supervisor.shutdownTimeoutMs + CLOSE_MARGIN_MS);
  };
  const failStart = async (error: unknown): Promise<never> => {
    await close().catch(() => undefined);
    throw error instanceof DeclaredMappingError ? new StartupError(error.message) : error;
  };

  try {
    await checkDeclaredMappings(declared);
  } catch (error) {
    return failStart(error);
  }
  try {
    await api.listen({ host: config.api.host, port: config.api.port });
  } catch (error) {
    return failStart(new StartupError(`Cannot listen on ${config.api.host}:${config.api.port}: ${(error as Error).message}`));
  }
  try {
    await guard.start();
    activity.start();
    warnAboutMappingsOutsideAllowLists(allowed, await store.all(), logger);
    await pipeline?.start();
    supervisorStarted = true;
    await supervisor?.start();
    await applyDeclaredMappings(declared);
  } catch (error) {
    return failStart(error);
  }
  phase = 'running';
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const url = `http://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${port}`;
  logger.info({ url, supervisor: Boolean(supervisor) }, 'sluice started');

  return {
    url,
    port,
    metrics,
    reloadModule: (functionName, reason) => targets.reloadModule(functionName, reason),
    async stop() {
      phase = 'stopping';
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
