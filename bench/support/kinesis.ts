/**
 * Kinesis and Sluice plumbing for benchmarks: a client on kinesis-local, fresh streams,
 * bulk puts, and a Sluice process (in this process, logs silenced) with a Lambda client
 * on its API.
 */
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { configSchema } from '../../src/config/index.js';
import { startSluice } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';

export const benchCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Sluice's SDK clients read credentials from the environment; the SDK's Node 20 notice is noise here. */
export function useBenchEnvironment(): void {
  process.env.AWS_ACCESS_KEY_ID ??= benchCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= benchCredentials.secretAccessKey;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/** HTTP/1.1: kinesis-local breaks on large HTTP/2 requests. */
export const benchKinesisClient = (endpoint: string): KinesisClient =>
  new KinesisClient({ endpoint, region: 'us-east-1', credentials: benchCredentials, requestHandler: new NodeHttpHandler() });

export interface BenchStream {
  name: string;
  arn: string;
}

let streamNumber = 0;

/** A new provisioned stream of `shards` shards, once ACTIVE. */
export async function createBenchStream(kinesis: KinesisClient, shards: number): Promise<BenchStream> {
  const name = `bench-${Date.now()}-${streamNumber++}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s?.StreamStatus === 'ACTIVE') return { name, arn: s.StreamARN! };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Puts `entries` in order, 500 per PutRecords call; entries the stream refuses are put
 * again (in their order) before the next ones, so each partition key keeps its order.
 * Resolves with each entry's sequence number, in the order of `entries`.
 */
export async function putInOrder(kinesis: KinesisClient, streamName: string, entries: readonly PutRecordsRequestEntry[]): Promise<string[]> {
  const sequenceNumbers: string[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i += 500) {
    let pending = entries.slice(i, i + 500).map((entry, j) => ({ entry, index: i + j }));
    while (pending.length > 0) {
      const { Records = [] } = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending.map((p) => p.entry) }));
      pending.forEach((p, j) => {
        const sequenceNumber = Records[j]?.SequenceNumber;
        if (!Records[j]?.ErrorCode && sequenceNumber) sequenceNumbers[p.index] = sequenceNumber;
      });
      pending = pending.filter((_, j) => Records[j]?.ErrorCode);
    }
  }
  return sequenceNumbers;
}

export interface BenchSluice {
  /** A Lambda client on Sluice's API. */
  lambda: LambdaClient;
  stop(): Promise<void>;
}

/** Sluice on `redisUrl` (a fresh key prefix) and kinesis-local, with the given functions. */
export async function startBenchSluice(options: {
  redisUrl: string;
  kinesisEndpoint: string;
  functions: Record<string, { http: string }>;
}): Promise<BenchSluice> {
  const config = configSchema.parse({
    redis: { url: options.redisUrl, keyPrefix: `bench${Date.now()}` },
    api: { port: 0 },
    aws: { services: { kinesis: { endpoint: options.kinesisEndpoint } } },
    functions: options.functions,
    log: { level: 'warn' },
  });
  const silent = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const sluice = await startSluice({ ...config, baseDir: resolve('.') }, silent);
  const lambda = new LambdaClient({ endpoint: sluice.url, region: 'us-east-1', credentials: benchCredentials });
  return {
    lambda,
    stop: async () => {
      lambda.destroy();
      await sluice.stop();
    },
  };
}
