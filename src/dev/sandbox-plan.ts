/**
 * What `sluice dev` has to start, decided from the configuration and the machine before
 * anything starts: Redis unless SLUICE_REDIS_URL (or --redis-url) names one, an emulator
 * for each source the config's `sandbox:` section uses (all three without one) and that
 * has no configured endpoint, DynamoDB Local only when Java is there and not
 * `--no-dynamodb`.
 */
import type { LoadedConfig, ServiceKey } from '../config/index.js';
import type { SourceType } from './state-file.js';

export interface SandboxPlan {
  /** Start a private redis-server (else config.redis.url, from SLUICE_REDIS_URL, is used). */
  startRedis: boolean;
  /** The sources the sandbox runs an example for. */
  sources: SourceType[];
  /** The sources served by an emulator the sandbox starts. */
  emulate: SourceType[];
  /** One line each: what was left out and how to get it. */
  notes: string[];
  /** One line each: what stops the sandbox from starting. */
  problems: string[];
}

export interface Machine {
  /** SLUICE_REDIS_URL as set in the environment, or --redis-url, if any. */
  redisUrl?: string;
  hasRedisServer: boolean;
  hasJava: boolean;
  /** --no-dynamodb: no DynamoDB Local (nor Java) even when Java is there. */
  noDynamodb?: boolean;
}

const INSTALL_REDIS =
  'redis-server is not installed: install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or set SLUICE_REDIS_URL to a running Redis';
const NO_JAVA = 'DynamoDB skipped: DynamoDB Local needs Java (Debian/Ubuntu: sudo apt-get install -y default-jre-headless)';
const NO_DYNAMODB = 'DynamoDB skipped (--no-dynamodb)';
/** Said so a newcomer does not read DynamoDB Local's rounding as a Sluice bug (streams.md §16 measures from it). */
const DYNAMODB_LOCAL_AGE =
  'DynamoDB Local rounds ApproximateCreationDateTime down to the minute, so its iterator age reads up to 60 s high';

const configured = (config: LoadedConfig, ...services: ServiceKey[]): boolean =>
  services.some((service) => (config.aws.services[service].endpoint ?? config.aws.endpoint) !== undefined);

/**
 * The sources the config's `sandbox:` section declares resources of; without the section,
 * all three (chosen: a sandbox with empty emulators to create resources in by hand).
 */
export function declaredSources(config: LoadedConfig): SourceType[] {
  const sandbox = config.sandbox;
  if (!sandbox) return ['sqs', 'kinesis', 'dynamodb'];
  return [
    ...(sandbox.queues.length > 0 ? (['sqs'] as const) : []),
    ...(sandbox.streams.length > 0 ? (['kinesis'] as const) : []),
    ...(sandbox.tables.length > 0 ? (['dynamodb'] as const) : []),
  ];
}

export function planSandbox(config: LoadedConfig, machine: Machine): SandboxPlan {
  const startRedis = !machine.redisUrl;
  const wanted = declaredSources(config);
  const plan: SandboxPlan = { startRedis, sources: [], emulate: [], notes: [], problems: [] };
  if (startRedis && !machine.hasRedisServer) plan.problems.push(INSTALL_REDIS);
  for (const source of ['sqs', 'kinesis'] as const) {
    if (!wanted.includes(source)) continue;
    plan.sources.push(source);
    if (!configured(config, source)) plan.emulate.push(source);
  }
  if (!wanted.includes('dynamodb')) return plan;
  if (configured(config, 'dynamodb', 'dynamodbStreams')) plan.sources.push('dynamodb');
  else if (machine.noDynamodb) plan.notes.push(NO_DYNAMODB);
  else if (machine.hasJava) {
    plan.sources.push('dynamodb');
    plan.emulate.push('dynamodb');
    plan.notes.push(DYNAMODB_LOCAL_AGE);
  } else plan.notes.push(NO_JAVA);
  return plan;
}

/**
 * Stream read pacing in the sandbox (streams.md §4): emulators have no per-shard read limit,
 * so a record sent is read within 100 ms and invoked at once.
 */
export const SANDBOX_READ_PACING = { idlePollMs: 100, minReadIntervalMs: 0 } as const;

/** Environment overrides that point Sluice's config at what the sandbox started, and its read pacing. */
export function sandboxEnvironment(started: { redisUrl?: string; sqs?: string; kinesis?: string; dynamodb?: string; apiPort?: number }): NodeJS.ProcessEnv {
  return {
    SLUICE_STREAMS_IDLE_POLL_MS: String(SANDBOX_READ_PACING.idlePollMs),
    SLUICE_STREAMS_MIN_READ_INTERVAL_MS: String(SANDBOX_READ_PACING.minReadIntervalMs),
    ...(started.redisUrl ? { SLUICE_REDIS_URL: started.redisUrl } : {}),
    ...(started.sqs ? { AWS_ENDPOINT_URL_SQS: started.sqs } : {}),
    ...(started.kinesis ? { AWS_ENDPOINT_URL_KINESIS: started.kinesis } : {}),
    ...(started.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: started.dynamodb, AWS_ENDPOINT_URL_DYNAMODB_STREAMS: started.dynamodb } : {}),
    ...(started.apiPort !== undefined ? { SLUICE_API_PORT: String(started.apiPort) } : {}),
  };
}
