/**
 * The chaos bed: Redis, fauxqs (SQS) and kinesis-local on free loopback ports, started by
 * the product's own launcher (src/dev/emulators, as `sluice dev` and the test bed do), SDK
 * clients on them, and one fresh Redis database per Sluice fleet.
 */
import http from 'node:http';
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulators, type RedisEndpoint } from '../../src/dev/emulators/index.js';
import { createBenchStream } from '../../bench/support/kinesis.js';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION } from '../../test/support/endpoints.js';
import type { ChildEndpoints } from '../../test/support/sluice-child.js';
import { uniqueName } from '../../test/support/poll.js';

/** Port 9 (discard) on loopback: nothing listens there, a call fails at once. */
const NOT_STARTED = 'http://127.0.0.1:9';

export interface ChaosBed {
  redis: RedisEndpoint;
  sqsEndpoint: string;
  kinesisEndpoint: string;
  sqs: SQSClient;
  kinesis: KinesisClient;
  /** A Redis database no other fleet of this run uses. */
  freshRedisUrl(): string;
  /** What a child Sluice needs; `overrides` replace endpoints (a proxy, another Redis). */
  childEndpoints(redisUrl: string, overrides?: Partial<ChildEndpoints>): ChildEndpoints;
  createQueue(prefix: string, attributes?: Record<string, string>): Promise<{ url: string; arn: string; name: string }>;
  createStream(shards: number): Promise<{ name: string; arn: string }>;
  stop(): Promise<void>;
}

/** HTTP/1.1 with keep-alive: kinesis-local breaks on large HTTP/2 requests. */
const http1 = () => new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }), connectionTimeout: 2_000, requestTimeout: 30_000 });

export async function startChaosBed(): Promise<ChaosBed> {
  const emulators = await startEmulators(
    { redis: { databases: 64 }, sqs: true, kinesis: true },
    { region: TEST_REGION, accountId: TEST_ACCOUNT_ID },
  );
  const { redis, sqs: sqsEndpoint, kinesis: kinesisEndpoint } = emulators;
  if (!redis || !sqsEndpoint || !kinesisEndpoint) throw new Error('chaos bed: an emulator did not report its endpoint');
  const clientConfig = (endpoint: string) => ({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, requestHandler: http1() });
  const sqs = new SQSClient(clientConfig(sqsEndpoint));
  const kinesis = new KinesisClient(clientConfig(kinesisEndpoint));
  let nextDb = 0;
  return {
    redis,
    sqsEndpoint,
    kinesisEndpoint,
    sqs,
    kinesis,
    freshRedisUrl: () => `${redis.url}/${nextDb++}`,
    childEndpoints: (redisUrl, overrides = {}) => ({
      redisUrl,
      sqs: sqsEndpoint,
      sns: sqsEndpoint,
      kinesis: kinesisEndpoint,
      dynamodb: NOT_STARTED,
      dynamodbStreams: NOT_STARTED,
      ...overrides,
    }),
    async createQueue(prefix, attributes = {}) {
      const name = uniqueName(`chaos-${prefix}`);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      return { url: QueueUrl!, arn: Attributes!.QueueArn!, name };
    },
    createStream: (shards) => createBenchStream(kinesis, shards),
    async stop() {
      sqs.destroy();
      kinesis.destroy();
      await emulators.stop();
    },
  };
}
