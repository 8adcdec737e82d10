/**
 * SDK clients built from Sluice's configuration: endpoint per service (AWS_ENDPOINT_URL
 * conventions), HTTP handler per service (HTTP/1.1 by default: kinesis-local's HTTP/2
 * breaks on large requests, and real users hit the same with other endpoints), region.
 * Credentials come from the SDK's default chain; they are never logged.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler, NodeHttp2Handler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { SluiceConfig, ServiceKey } from '../config/index.js';

const clientClasses = {
  sqs: SQSClient,
  kinesis: KinesisClient,
  dynamodbStreams: DynamoDBStreamsClient,
  dynamodb: DynamoDBClient,
  sns: SNSClient,
  lambda: LambdaClient,
  s3: S3Client,
};
type ClientOf<K extends ServiceKey> = InstanceType<(typeof clientClasses)[K]>;

/** Real AWS region names; anything else (e.g. DynamoDB Local's `ddblocal`) uses the configured region. */
const awsRegion = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/**
 * Client options one service needs beyond endpoint, region and handler.
 *
 * S3 (chosen: derived, not a setting): with a custom endpoint, path-style URLs
 * (`http://host:4566/bucket/key`), since emulators (LocalStack, fauxqs) serve those on any
 * host name while virtual-hosted URLs (`bucket.host`) need wildcard DNS a compose network
 * or `localhost` lacks; on AWS (no endpoint) the SDK's virtual-hosted default. A bucket
 * ARN names no region, so S3's redirect to the bucket's region is followed.
 */
function serviceOptions(service: ServiceKey, endpoint: string | undefined): object {
  if (service !== 's3') return {};
  return { forcePathStyle: endpoint !== undefined, followRegionRedirects: true };
}

/**
 * The HTTP/1.1 handler every client gets by default (and `sluice loadtest`'s clients).
 * No socket cap: every receive loop holds a connection for its 20 s long poll, and a cap
 * would queue control-plane calls and deletes behind them; callers bound their own requests.
 */
export function http1Handler(options: { requestTimeout?: number } = {}): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: 5_000,
    ...options,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: Infinity }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: Infinity }),
  });
}

export class AwsClients {
  private readonly cache = new Map<string, { destroy(): void }>();

  constructor(private readonly config: Pick<SluiceConfig, 'region' | 'aws'>) {}

  /** The region to call for a resource whose ARN names `arnRegion` (api.md §5). */
  regionFor(arnRegion?: string): string {
    return arnRegion && awsRegion.test(arnRegion) ? arnRegion : this.config.region;
  }

  endpointOf(service: ServiceKey): string | undefined {
    return this.config.aws.services[service].endpoint ?? this.config.aws.endpoint;
  }

  get<K extends ServiceKey>(service: K, arnRegion?: string): ClientOf<K> {
    const region = this.regionFor(arnRegion);
    const cacheKey = `${service}|${region}`;
    let client = this.cache.get(cacheKey);
    if (!client) {
      const endpoint = this.endpointOf(service);
      const handlerKind = this.config.aws.services[service].httpHandler ?? this.config.aws.httpHandler;
      const requestHandler =
        handlerKind === 'http2'
          ? new NodeHttp2Handler({ requestTimeout: 60_000 })
          : http1Handler();
      const ClientClass = clientClasses[service] as unknown as new (options: object) => ClientOf<K>;
      client = new ClientClass({ region, ...(endpoint ? { endpoint } : {}), requestHandler, ...serviceOptions(service, endpoint) });
      this.cache.set(cacheKey, client);
    }
    return client as ClientOf<K>;
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}
