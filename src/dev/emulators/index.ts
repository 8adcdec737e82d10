/**
 * The local stand-ins for Redis, SQS, Kinesis and DynamoDB (Streams) that `sluice dev` and
 * the test bed run: each on a free loopback port, started concurrently, all stopped
 * together. The emulator packages are devDependencies, loaded only from here and lazily.
 */
import { startRedis, type RedisEndpoint, type RedisOptions } from './redis.js';
import { startFauxqs } from './fauxqs.js';
import { startKinesis, type KinesisOptions } from './kinesis.js';
import { startDynamoDB, type DynamoDBOptions } from './dynamodb.js';
import type { EmulatorOptions, RunningEmulator } from './readiness.js';

export { EMULATOR_PACKAGES, MissingPackageError, requireDevPackages } from './dev-packages.js';
export { findExecutable, javaCommand, redisServerCommand } from './executables.js';
export { getFreePort, getFreePorts, isPortFree } from './ports.js';
export { spawnManaged, type ManagedProcess, type SpawnManagedOptions, type SpawnedChild, type SpawnListener } from './managed-process.js';
export { describeError, DEFAULT_READY_TIMEOUT_MS, type EmulatorOptions } from './readiness.js';
export type { RedisEndpoint, RedisOptions, DynamoDBOptions, KinesisOptions };

/** Which emulators to start; absent or false ones are not started. */
export interface EmulatorRequest {
  redis?: RedisOptions | boolean;
  /** fauxqs, which also serves SNS on the same endpoint. */
  sqs?: boolean;
  kinesis?: KinesisOptions | boolean;
  /** DynamoDB Local, which also serves DynamoDB Streams on the same endpoint. */
  dynamodb?: DynamoDBOptions | boolean;
}

export interface Emulators {
  redis?: RedisEndpoint;
  sqs?: string;
  kinesis?: string;
  dynamodb?: string;
  /** Milliseconds each emulator took to answer. */
  startupMs: Record<string, number>;
  /** Stops every emulator (all at once; errors are collected, not thrown one by one). */
  stop(): Promise<void>;
}

/** One or more emulators failed; the others were stopped. One line per failure. */
export class EmulatorsStartError extends Error {
  override name = 'EmulatorsStartError';
  constructor(readonly causes: unknown[]) {
    super(causes.map((cause) => (cause instanceof Error ? cause.message : String(cause))).join('\n'));
  }
}

const optionsOf = <T extends object>(value: T | boolean | undefined): T | undefined =>
  value === undefined || value === false ? undefined : value === true ? ({} as T) : value;

export async function startEmulators(request: EmulatorRequest, options: EmulatorOptions): Promise<Emulators> {
  const startupMs: Record<string, number> = {};
  const timed = async <T>(name: string, start: () => Promise<RunningEmulator<T>>): Promise<[string, RunningEmulator<T>]> => {
    const t0 = performance.now();
    const running = await start();
    startupMs[name] = Math.round(performance.now() - t0);
    return [name, running];
  };
  const redis = optionsOf(request.redis);
  const dynamodb = optionsOf(request.dynamodb);
  const kinesis = optionsOf(request.kinesis);
  // Slowest first; fauxqs (in-process, CPU-bound import) last so the children are already booting.
  const starts: Promise<[string, RunningEmulator<unknown>]>[] = [];
  if (dynamodb) starts.push(timed('dynamodb', () => startDynamoDB({ ...options, ...dynamodb })));
  if (kinesis) starts.push(timed('kinesis', () => startKinesis({ ...options, ...kinesis })));
  if (redis) starts.push(timed('redis', () => startRedis({ ...options, ...redis })));
  if (request.sqs) starts.push(timed('sqs', () => startFauxqs(options)));

  const results = await Promise.allSettled(starts);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    const stopped = await Promise.allSettled(started.map(([, emulator]) => emulator.stop()));
    const failed = stopped.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) throw new AggregateError(failed, `stopping emulators failed: ${failed.map(String).join('; ')}`);
  };
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await stop().catch(() => undefined);
    throw new EmulatorsStartError(failures);
  }
  const values = Object.fromEntries(started.map(([name, emulator]) => [name, emulator.value]));
  return {
    redis: values.redis as RedisEndpoint | undefined,
    sqs: values.sqs as string | undefined,
    kinesis: values.kinesis as string | undefined,
    dynamodb: values.dynamodb as string | undefined,
    startupMs,
    stop,
  };
}
