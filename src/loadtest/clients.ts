/**
 * The SDK clients a run uses, built from the plan's endpoints. They get Sluice's HTTP/1.1
 * handler (kinesis-local's HTTP/2 breaks on large requests, and a PutRecords of 500 records
 * is one); unlike src/aws/clients.ts there is no Sluice config here: the tool is a user of
 * the APIs, given endpoints and credentials on its command line.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Endpoints } from './plan.js';
import { http1Handler } from '../aws/clients.js';

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
    // (chosen) 30 s per request: a send that hangs longer is retried by the producer.
    requestHandler: http1Handler({ requestTimeout: 30_000 }),
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
