/**
 * Helpers for test files: emulator endpoints, ready SDK clients, Redis, and per-test
 * resources (queues, streams, tables) that come with a cleanup.
 *
 *   import { createQueue, sqsClient, pollUntil } from '../support/index.js';
 *   const q = await createQueue({ prefix: 'orders' });
 *   onTestFinished(q.cleanup);
 */
import http from 'node:http';
import { inject } from 'vitest';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  SQSClient,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  type KinesisClientConfig,
} from '@aws-sdk/client-kinesis';
import {
  DynamoDBClient,
  CreateTableCommand,
  DeleteTableCommand,
  type AttributeDefinition,
  type KeySchemaElement,
  type StreamViewType,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, type DynamoDBStreamsClientConfig } from '@aws-sdk/client-dynamodb-streams';
import { Redis, type RedisOptions } from 'ioredis';
import type { EmulatorEndpoints } from './endpoints.js';
import { pollUntil, uniqueName } from './poll.js';

// ---------------------------------------------------------------------------------------
// endpoints

/** The running emulators' endpoints (vitest inject). Throws if they are not running. */
export function getEndpoints(): EmulatorEndpoints {
  const endpoints = inject('emulators');
  if (!endpoints) {
    throw new Error(
      'Emulators are not running: this run was started with SLUICE_TEST_NO_EMULATORS=1, ' +
        'or without the test/support/emulators.ts globalSetup (see vitest.config.ts).',
    );
  }
  return endpoints;
}

// ---------------------------------------------------------------------------------------
// AWS SDK clients

/**
 * An HTTP/1.1 request handler with a keep-alive agent. Used for every client; required for
 * Kinesis (the SDK's default HTTP/2 handler breaks on large requests against kinesis-local).
 */
export function createHttp1Handler(): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    connectionTimeout: 2_000,
    // Above SQS' 20 s long-poll maximum.
    requestTimeout: 30_000,
  });
}

export type AwsService = 'sqs' | 'sns' | 'kinesis' | 'dynamodb' | 'dynamodbStreams';

/** Endpoint, region, dummy credentials and an HTTP/1.1 handler for `service`. */
export function awsClientConfig(service: AwsService) {
  const endpoints = getEndpoints();
  return {
    endpoint: endpoints[service],
    region: endpoints.region,
    credentials: { ...endpoints.credentials },
    requestHandler: createHttp1Handler(),
  };
}

/** Fresh clients (caller owns them: call `.destroy()` when done). */
export const createSqsClient = (config: Partial<SQSClientConfig> = {}): SQSClient =>
  new SQSClient({ ...awsClientConfig('sqs'), ...config });
export const createSnsClient = (config: Partial<SNSClientConfig> = {}): SNSClient =>
  new SNSClient({ ...awsClientConfig('sns'), ...config });
export const createKinesisClient = (config: Partial<KinesisClientConfig> = {}): KinesisClient =>
  new KinesisClient({ ...awsClientConfig('kinesis'), ...config });
export const createDynamoDBClient = (config: Partial<DynamoDBClientConfig> = {}): DynamoDBClient =>
  new DynamoDBClient({ ...awsClientConfig('dynamodb'), ...config });
export const createDynamoDBStreamsClient = (
  config: Partial<DynamoDBStreamsClientConfig> = {},
): DynamoDBStreamsClient => new DynamoDBStreamsClient({ ...awsClientConfig('dynamodbStreams'), ...config });

function shared<T>(create: () => T): () => T {
  let instance: T | undefined;
  return () => (instance ??= create());
}

/** Shared clients, one per test worker, created on first use; do not destroy them. */
export const sqsClient = shared(() => createSqsClient());
export const snsClient = shared(() => createSnsClient());
export const kinesisClient = shared(() => createKinesisClient());
export const dynamoDBClient = shared(() => createDynamoDBClient());
export const dynamoDBStreamsClient = shared(() => createDynamoDBStreamsClient());

// ---------------------------------------------------------------------------------------
// Redis

/** ioredis options for the test Redis (host/port filled in), merged with `overrides`. */
export function redisOptions(overrides: RedisOptions = {}): RedisOptions {
  const { host, port } = getEndpoints().redis;
  return { host, port, ...overrides };
}

/** A new ioredis connection to the test Redis. The caller must `quit()` it. */
export function createRedis(overrides: RedisOptions = {}): Redis {
  return new Redis(redisOptions(overrides));
}

/**
 * A logical Redis database (1..1023) nobody else in this run uses; pass it as `db` to
 * createRedis / the app config to get an isolated, empty keyspace per test or file.
 */
export async function allocateRedisDb(): Promise<number> {
  const redis = createRedis({ db: 0 });
  try {
    const db = await redis.incr('testbed:next-db');
    if (db > 1023) throw new Error('allocateRedisDb: all 1023 test databases are used up in this run');
    return db;
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------
// resources with cleanup

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  return /NotFound|NonExistentQueue|QueueDoesNotExist/.test(name);
}

/** Wrap a cleanup so it runs once and ignores "already gone". */
function onceIgnoringNotFound(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () =>
    (done ??= fn().then(
      () => undefined,
      (error: unknown) => {
        if (!isNotFound(error)) throw error;
      },
    ));
}

export interface CreateQueueOptions {
  /** Exact name; default uniqueName(prefix). ".fifo" is appended for FIFO queues if missing. */
  name?: string;
  prefix?: string;
  fifo?: boolean;
  /** FIFO only. */
  contentBasedDeduplication?: boolean;
  visibilityTimeoutSeconds?: number;
  /** Sets the RedrivePolicy attribute. */
  redrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
  /** Raw extra attributes (win over the options above). */
  attributes?: Record<string, string>;
}

export interface TestQueue {
  queueName: string;
  queueUrl: string;
  queueArn: string;
  cleanup: () => Promise<void>;
}

export async function createQueue(options: CreateQueueOptions = {}): Promise<TestQueue> {
  const sqs = sqsClient();
  let queueName = options.name ?? uniqueName(options.prefix ?? 'q');
  if (options.fifo && !queueName.endsWith('.fifo')) queueName += '.fifo';
  const attributes: Record<string, string> = {};
  if (options.fifo) attributes.FifoQueue = 'true';
  if (options.contentBasedDeduplication !== undefined) {
    attributes.ContentBasedDeduplication = String(options.contentBasedDeduplication);
  }
  if (options.visibilityTimeoutSeconds !== undefined) {
    attributes.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
  }
  if (options.redrivePolicy) {
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: options.redrivePolicy.deadLetterTargetArn,
      maxReceiveCount: String(options.redrivePolicy.maxReceiveCount),
    });
  }
  Object.assign(attributes, options.attributes);

  const created = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
  const queueUrl = created.QueueUrl;
  if (!queueUrl) throw new Error(`CreateQueue ${queueName} returned no QueueUrl`);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attrs.Attributes?.QueueArn;
  if (!queueArn) throw new Error(`GetQueueAttributes ${queueName} returned no QueueArn`);
  return {
    queueName,
    queueUrl,
    queueArn,
    cleanup: onceIgnoringNotFound(() => sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }))),
  };
}

export interface CreateStreamOptions {
  name?: string;
  prefix?: string;
  /** Default 1. */
  shardCount?: number;
  /** How long to wait for ACTIVE. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface TestStream {
  streamName: string;
  streamArn: string;
  /** Shard ids at creation, sorted. */
  shardIds: string[];
  cleanup: () => Promise<void>;
}

/** Create a provisioned Kinesis stream and wait until it is ACTIVE. */
export async function createStream(options: CreateStreamOptions = {}): Promise<TestStream> {
  const kinesis = kinesisClient();
  const streamName = options.name ?? uniqueName(options.prefix ?? 's');
  const shardCount = options.shardCount ?? 1;
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  const cleanup = onceIgnoringNotFound(() =>
    kinesis.send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true })),
  );
  try {
    const summary = await pollUntil(
      async () => {
        const { StreamDescriptionSummary: s } = await kinesis.send(
          new DescribeStreamSummaryCommand({ StreamName: streamName }),
        );
        return s?.StreamStatus === 'ACTIVE' ? s : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 10_000, intervalMs: 20, description: `Kinesis stream ${streamName} ACTIVE` },
    );
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const shardIds = (shards.Shards ?? []).map((s) => s.ShardId!).sort();
    return { streamName, streamArn: summary.StreamARN!, shardIds, cleanup };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}

export interface CreateTableWithStreamOptions {
  name?: string;
  prefix?: string;
  /** String hash key name. Default "pk". */
  partitionKey?: string;
  /** Optional string range key name. */
  sortKey?: string;
  /** Default NEW_AND_OLD_IMAGES. */
  streamViewType?: StreamViewType;
}

export interface TestTable {
  tableName: string;
  tableArn: string;
  /** Latest stream ARN. DynamoDB Local uses region "ddblocal" in it. */
  streamArn: string;
  cleanup: () => Promise<void>;
}

/** Create an on-demand table with a stream (DynamoDB Local makes it ACTIVE at once). */
export async function createTableWithStream(options: CreateTableWithStreamOptions = {}): Promise<TestTable> {
  const ddb = dynamoDBClient();
  const tableName = options.name ?? uniqueName(options.prefix ?? 'tbl');
  const partitionKey = options.partitionKey ?? 'pk';
  const keySchema: KeySchemaElement[] = [{ AttributeName: partitionKey, KeyType: 'HASH' }];
  const attributeDefinitions: AttributeDefinition[] = [{ AttributeName: partitionKey, AttributeType: 'S' }];
  if (options.sortKey) {
    keySchema.push({ AttributeName: options.sortKey, KeyType: 'RANGE' });
    attributeDefinitions.push({ AttributeName: options.sortKey, AttributeType: 'S' });
  }
  const created = await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: keySchema,
      AttributeDefinitions: attributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: {
        StreamEnabled: true,
        StreamViewType: options.streamViewType ?? 'NEW_AND_OLD_IMAGES',
      },
    }),
  );
  const description = created.TableDescription;
  const streamArn = description?.LatestStreamArn;
  if (!description?.TableArn || !streamArn) {
    throw new Error(`CreateTable ${tableName} returned no TableArn/LatestStreamArn`);
  }
  return {
    tableName,
    tableArn: description.TableArn,
    streamArn,
    cleanup: onceIgnoringNotFound(() => ddb.send(new DeleteTableCommand({ TableName: tableName }))),
  };
}
