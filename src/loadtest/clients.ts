/**
 * The SDK clients a run uses, built from the plan's endpoints. Like src/aws/clients.ts, every
 * client gets an HTTP/1.1 handler (kinesis-local's HTTP/2 breaks on large requests, and a
 * PutRecords of 500 records is one); unlike it, there is no Sluice config here: the tool is
 * a user of the APIs, given endpoints on its command line.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Endpoints } from './plan.js';

export interface LoadtestClients {
  sqs: SQSClient;
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  lambda: LambdaClient;
  destroy(): void;
}

function options(endpoints: Endpoints, endpoint: string | undefined): object {
  return {
    region: endpoints.region,
    ...(endpoint ? { endpoint } : {}),
    ...(endpoints.credentials ? { credentials: { ...endpoints.credentials } } : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      // (chosen) No socket cap: the producer bounds its own requests in flight (plan.maxInFlight).
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: Infinity }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: Infinity }),
    }),
  };
}

/** Clients are cheap to build and lazy to connect, so all four are built; `destroy()` closes them. */
export function createLoadtestClients(endpoints: Endpoints): LoadtestClients {
  const sqs = new SQSClient(options(endpoints, endpoints.sqs));
  const kinesis = new KinesisClient(options(endpoints, endpoints.kinesis));
  const dynamodb = new DynamoDBClient(options(endpoints, endpoints.dynamodb));
  const lambda = new LambdaClient(options(endpoints, endpoints.lambda));
  return {
    sqs,
    kinesis,
    dynamodb,
    lambda,
    destroy() {
      for (const client of [sqs, kinesis, dynamodb, lambda]) client.destroy();
    },
  };
}
