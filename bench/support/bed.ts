/**
 * What every row of `npm run bench` runs on: the emulators (each in its own process), the
 * shared HTTP sink, a Redis command counter, and Sluice processes of the tree under test
 * (BENCH_TREE, default this repository; it must be built: `npm run bench` builds first).
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { getFreePort } from '../../test/support/ports.js';
import { startDynamoDB } from '../../src/dev/emulators/dynamodb.js';
import { startFauxqs, startKinesis, startRedis, type BenchService } from './services.js';
import { startSink, type Sink } from './sink.js';
import { redisCounter, type RedisCounter } from './redis-stats.js';
import { startSluiceBuild, type SluiceBuild } from './sluice-build.js';

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials,
  requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 64 } }),
});

/** BENCH_SCALE scales record counts, mapping counts and measuring windows (a smoke run: 0.05). */
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
export const scaled = (n: number, min = 1): number => Math.max(min, Math.round(n * SCALE));

export type ServiceName = 'sqs' | 'kinesis' | 'dynamodb';

export interface Bed {
  tree: string;
  redis: BenchService & { port: number };
  sink: Sink;
  counter: RedisCounter;
  sqsEndpoint: string;
  kinesisEndpoint: string;
  dynamodbEndpoint: string;
  sqs: SQSClient;
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  dynamodbStreams: DynamoDBStreamsClient;
  /** Starts Sluice (the tree under test) in its own process, its functions' target the sink unless `fn` is given. */
  sluice(options?: SluiceOptions): Promise<RunningSluice>;
  stop(): Promise<void>;
}

export interface SluiceOptions {
  fn?: Record<string, unknown>;
  /** Redis URL (default the bench's Redis) and key prefix (default a fresh one). */
  redisUrl?: string;
  keyPrefix?: string;
  /** Merged over the config (e.g. `streams`, `mappings`, `sqs`). */
  extra?: Record<string, unknown>;
}

export interface RunningSluice extends SluiceBuild {
  lambda: LambdaClient;
  /** Stops the process and its client. */
  close(): void;
}

const NOT_STARTED = 'http://127.0.0.1:9';

export async function startBed(services: ReadonlySet<ServiceName>): Promise<Bed> {
  const tree = resolve(process.env.BENCH_TREE ?? resolve(import.meta.dirname, '../..'));
  const stops: (() => Promise<void>)[] = [];
  const started = async <T extends { stop(): Promise<void> }>(p: Promise<T>): Promise<T> => {
    const s = await p;
    stops.push(() => s.stop());
    return s;
  };
  const [redis, sink, fauxqs, kinesis, dynamodb] = await Promise.all([
    started(startRedis()),
    started(startSink()),
    services.has('sqs') ? started(startFauxqs()) : undefined,
    services.has('kinesis') ? started(startKinesis()) : undefined,
    services.has('dynamodb')
      ? started(startDynamoDB({ region: 'us-east-1', accountId: '000000000000' })).then((d) => ({ url: d.value }))
      : undefined,
  ]);
  const sqsEndpoint = fauxqs?.url ?? NOT_STARTED;
  const kinesisEndpoint = kinesis?.url ?? NOT_STARTED;
  const dynamodbEndpoint = dynamodb?.url ?? NOT_STARTED;
  const counter = redisCounter(redis.url);
  const clients = {
    sqs: new SQSClient(clientConfig(sqsEndpoint)),
    kinesis: new KinesisClient(clientConfig(kinesisEndpoint)),
    dynamodb: new DynamoDBClient(clientConfig(dynamodbEndpoint)),
    dynamodbStreams: new DynamoDBStreamsClient(clientConfig(dynamodbEndpoint)),
  };
  const running = new Set<RunningSluice>();
  let prefix = 0;
  return {
    tree,
    redis: { ...redis, port: Number(new URL(redis.url).port) },
    sink,
    counter,
    sqsEndpoint,
    kinesisEndpoint,
    dynamodbEndpoint,
    ...clients,
    sluice: async (options = {}) => {
      const port = await getFreePort();
      const build = await startSluiceBuild(tree, port, {
        redis: { url: options.redisUrl ?? redis.url, keyPrefix: options.keyPrefix ?? `bench${process.pid}x${prefix++}` },
        aws: {
          services: {
            sqs: { endpoint: sqsEndpoint },
            kinesis: { endpoint: kinesisEndpoint },
            dynamodb: { endpoint: dynamodbEndpoint },
            dynamodbStreams: { endpoint: dynamodbEndpoint },
          },
        },
        functions: { fn: options.fn ?? { http: sink.url } },
        ...options.extra,
      });
      const lambda = new LambdaClient({ endpoint: build.url, region: 'us-east-1', credentials });
      const sluice: RunningSluice = {
        ...build,
        lambda,
        close: () => {
          running.delete(sluice);
          build.stop();
          lambda.destroy();
        },
      };
      running.add(sluice);
      // Let start-up work (JIT, connections, the first reconcile) settle before anything is timed.
      await sleep(500);
      return sluice;
    },
    stop: async () => {
      for (const sluice of running) sluice.close();
      counter.close();
      for (const client of Object.values(clients)) client.destroy();
      await Promise.allSettled(stops.map((stop) => stop()));
    },
  };
}
