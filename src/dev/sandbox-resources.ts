/**
 * The sandbox's example queue, stream and table, created with the AWS SDK as users create
 * theirs, and one mapping per source created through Sluice's own Lambda API with
 * `@aws-sdk/client-lambda`.
 *
 * Why the API and not declared `mappings:` in examples/sandbox.config.yaml: the table's
 * stream ARN exists only once the table does (and changes with every fresh DynamoDB
 * Local), so it cannot be written in a file; and CreateEventSourceMapping is the call the
 * README teaches next, so the sandbox runs the very path a newcomer will use.
 *
 * Everything is idempotent (existing resources and mappings are reused), so a sandbox on
 * a Redis or endpoints that outlive it (SLUICE_REDIS_URL, AWS_ENDPOINT_URL_*) starts again
 * cleanly.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { CreateStreamCommand, DescribeStreamSummaryCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws/clients.js';
import type { SandboxState, SourceType } from './state-file.js';

export const EXAMPLE_NAMES = {
  queue: 'sluice-example-queue',
  deadLetterQueue: 'sluice-example-dlq',
  stream: 'sluice-example-stream',
  table: 'sluice-example-table',
} as const;

/** The function of each source's example mapping (examples/sandbox.config.yaml). */
export const EXAMPLE_FUNCTIONS: Record<SourceType, string> = {
  sqs: 'example-sqs',
  kinesis: 'example-kinesis',
  dynamodb: 'example-dynamodb',
};

/** The table's partition key (a string), which `sluice send dynamodb` items must carry. */
export const EXAMPLE_TABLE_KEY = 'pk';

/** Seconds the SDK waiters may wait for a stream or table to become ACTIVE. */
const WAIT_SECONDS = 60;

type Resources = SandboxState['resources'];

const errorName = (error: unknown): string => (error as { name?: string } | undefined)?.name ?? '';

async function queueArnOf(clients: AwsClients, queueUrl: string): Promise<string> {
  const { Attributes } = await clients.get('sqs').send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`GetQueueAttributes ${queueUrl} returned no QueueArn`);
  return Attributes.QueueArn;
}

/** CreateQueue, or the existing queue of that name when its attributes differ. */
async function createQueue(clients: AwsClients, name: string, attributes: Record<string, string>): Promise<string> {
  const sqs = clients.get('sqs');
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    if (!/QueueAlreadyExists|QueueNameExists/.test(errorName(error))) throw error;
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`GetQueueUrl ${name} returned no QueueUrl`);
  return QueueUrl;
}

async function createExampleQueue(clients: AwsClients): Promise<NonNullable<Resources['sqs']>> {
  const deadLetterArn = await queueArnOf(clients, await createQueue(clients, EXAMPLE_NAMES.deadLetterQueue, {}));
  const queueUrl = await createQueue(clients, EXAMPLE_NAMES.queue, {
    // Above the example function's 3 s timeout (Lambda refuses shorter), short enough that
    // a failed message is seen again soon; after 2 receives it moves to the DLQ.
    VisibilityTimeout: '5',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: 2 }),
  });
  return { queueName: EXAMPLE_NAMES.queue, queueUrl, queueArn: await queueArnOf(clients, queueUrl) };
}

async function createExampleStream(clients: AwsClients): Promise<NonNullable<Resources['kinesis']>> {
  const kinesis = clients.get('kinesis');
  const streamName = EXAMPLE_NAMES.stream;
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: WAIT_SECONDS, minDelay: 1, maxDelay: 1 }, { StreamName: streamName });
  const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  if (!StreamDescriptionSummary?.StreamARN) throw new Error(`DescribeStreamSummary ${streamName} returned no StreamARN`);
  return { streamName, streamArn: StreamDescriptionSummary.StreamARN };
}

async function createExampleTable(clients: AwsClients): Promise<NonNullable<Resources['dynamodb']>> {
  const dynamodb = clients.get('dynamodb');
  const tableName = EXAMPLE_NAMES.table;
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: EXAMPLE_TABLE_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: EXAMPLE_TABLE_KEY, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: WAIT_SECONDS, minDelay: 1, maxDelay: 1 }, { TableName: tableName });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) throw new Error(`table ${tableName} exists without a stream; delete it and start again`);
  return { tableName, streamArn: Table.LatestStreamArn };
}

/** Creates (or finds) the example resource of each of `sources`. */
export async function createExampleResources(clients: AwsClients, sources: readonly SourceType[]): Promise<Resources> {
  const [sqs, kinesis, dynamodb] = await Promise.all([
    sources.includes('sqs') ? createExampleQueue(clients) : undefined,
    sources.includes('kinesis') ? createExampleStream(clients) : undefined,
    sources.includes('dynamodb') ? createExampleTable(clients) : undefined,
  ]);
  return { ...(sqs ? { sqs } : {}), ...(kinesis ? { kinesis } : {}), ...(dynamodb ? { dynamodb } : {}) };
}

/** The CreateEventSourceMapping request of each example resource. */
export function exampleMappingRequests(resources: Resources): CreateEventSourceMappingCommandInput[] {
  // Streams: LATEST (pinned at Create, so every record sent once the sandbox is ready is
  // delivered, and a reused stream's old records are not replayed); one retry, so a record
  // the example handler fails does not block its shard for long.
  const streamSettings = { StartingPosition: 'LATEST', MaximumRetryAttempts: 1, BatchSize: 100 } as const;
  const requests: CreateEventSourceMappingCommandInput[] = [];
  if (resources.sqs) requests.push({ FunctionName: EXAMPLE_FUNCTIONS.sqs, EventSourceArn: resources.sqs.queueArn, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  if (resources.kinesis) requests.push({ FunctionName: EXAMPLE_FUNCTIONS.kinesis, EventSourceArn: resources.kinesis.streamArn, FunctionResponseTypes: ['ReportBatchItemFailures'], ...streamSettings });
  if (resources.dynamodb) requests.push({ FunctionName: EXAMPLE_FUNCTIONS.dynamodb, EventSourceArn: resources.dynamodb.streamArn, FunctionResponseTypes: ['ReportBatchItemFailures'], ...streamSettings });
  return requests;
}

/** Creates each example mapping through the API unless one for the same source and function exists. Returns their UUIDs. */
export async function ensureExampleMappings(lambda: LambdaClient, resources: Resources): Promise<string[]> {
  const uuids: string[] = [];
  for (const request of exampleMappingRequests(resources)) {
    const existing = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: request.EventSourceArn, FunctionName: request.FunctionName }));
    const found = existing.EventSourceMappings?.[0]?.UUID;
    const uuid = found ?? (await lambda.send(new CreateEventSourceMappingCommand(request))).UUID;
    if (!uuid) throw new Error(`CreateEventSourceMapping ${request.EventSourceArn} returned no UUID`);
    uuids.push(uuid);
  }
  return uuids;
}
