/**
 * `sluice send sqs|kinesis|dynamodb <body>`: one test record to the running sandbox's
 * first queue, stream or table (found through its state file), to the sandbox's resource
 * named by --queue / --stream / --table, or to any queue, stream or table named by the
 * options (then no sandbox is needed: endpoints and credentials come from the options and
 * the SDK's usual environment).
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { AwsClients } from '../aws/clients.js';
import { configSchema } from '../config/index.js';
import { findSandboxState, type SandboxState, type SourceType } from './state-file.js';
import { useSandboxCredentialsIfNone } from './sandbox-credentials.js';

export interface SendOptions {
  /** Where to look for the sandbox's state file (and its parents). */
  cwd: string;
  /** SQS: the queue's URL. */
  queueUrl?: string;
  /** SQS: the name of one of the sandbox's queues. */
  queue?: string;
  /** SQS FIFO: the message group (default `sluice-send`). */
  groupId?: string;
  /** Kinesis: the stream's name. */
  stream?: string;
  /** Kinesis: the partition key; default a random UUID. */
  partitionKey?: string;
  /** DynamoDB: the table's name. */
  table?: string;
  /** The service's endpoint; default the sandbox's, else the SDK's (AWS_ENDPOINT_URL_*, AWS). */
  endpoint?: string;
  region?: string;
}

/** A send that cannot be made, said in one line. */
export class SendError extends Error {
  override name = 'SendError';
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/**
 * A DynamoDB item in DynamoDB JSON (`{"pk":{"S":"a"}}`, as `aws dynamodb put-item --item`
 * takes). Plain JSON would need @aws-sdk/util-dynamodb's marshall, which is not a
 * dependency; the typed form also says exactly what is stored.
 */
export function parseDynamoDBItem(body: string): Record<string, AttributeValue> {
  const example = `e.g. '{"pk":{"S":"order-1"},"total":{"N":"42"}}'`;
  let item: unknown;
  try {
    item = JSON.parse(body);
  } catch {
    throw new SendError(`a dynamodb item must be DynamoDB JSON, ${example}; got text that is not JSON`);
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new SendError(`a dynamodb item must be a JSON object of attributes, ${example}`);
  for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
    const types = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
    if (types.length !== 1 || !ATTRIBUTE_TYPES.has(types[0]!)) {
      throw new SendError(`attribute "${name}" must be typed DynamoDB JSON such as {"S":"text"} or {"N":"42"}, ${example}`);
    }
  }
  return item as Record<string, AttributeValue>;
}

interface Target {
  region: string;
  endpoint?: string;
  /** The endpoint is an emulator the sandbox started: any credentials do. */
  emulated: boolean;
}

function targetOf(source: SourceType, options: SendOptions, state: SandboxState | undefined): Target {
  const region = options.region ?? state?.region ?? process.env.AWS_REGION ?? 'us-east-1';
  if (options.endpoint) return { region, endpoint: options.endpoint, emulated: false };
  const endpoint = state?.endpoints[source];
  return { region, ...(endpoint ? { endpoint } : {}), emulated: state?.emulated.includes(source) ?? false };
}

function clientsFor(source: SourceType, target: Target): AwsClients {
  if (target.emulated) useSandboxCredentialsIfNone();
  // The same clients (HTTP/1.1 handler, endpoint per service) as Sluice's, from a config of defaults.
  const config = configSchema.parse({ region: target.region, aws: { services: { [source]: target.endpoint ? { endpoint: target.endpoint } : {} } } });
  return new AwsClients(config);
}

function missingTarget(source: SourceType, option: string, cwd: string, state: SandboxState | undefined): SendError {
  const kind = { sqs: 'queue', kinesis: 'stream', dynamodb: 'table' }[source];
  if (state) return new SendError(`the running sandbox has no ${kind} (its config's sandbox: section declares none, or see the notes in its view); name one with ${option}`);
  return new SendError(`no running sandbox found in ${cwd} or its parents (start one with \`npx sluice dev\`), and no ${option} given`);
}

/** The URL of the sandbox queue named by --queue, else of its first queue that is not a DLQ. */
function sandboxQueueUrl(options: SendOptions, state: SandboxState | undefined): string | undefined {
  const queues = state?.resources.queues ?? [];
  if (options.queue === undefined) return queues.find((q) => q.deadLetterOf === undefined)?.url;
  const found = queues.find((q) => q.name === options.queue);
  if (!found) {
    throw new SendError(`the running sandbox has no queue ${options.queue}${queues.length > 0 ? ` (it has ${queues.map((q) => q.name).join(', ')})` : ''}`);
  }
  return found.url;
}

/** Sends `body`; resolves with one line saying where it went. */
export async function sendRecord(source: SourceType, body: string, options: SendOptions): Promise<string> {
  const state = findSandboxState(options.cwd)?.state;
  const item = source === 'dynamodb' ? parseDynamoDBItem(body) : undefined;
  const clients = clientsFor(source, targetOf(source, options, state));
  try {
    switch (source) {
      case 'sqs': {
        const queueUrl = options.queueUrl ?? sandboxQueueUrl(options, state);
        if (!queueUrl) throw missingTarget(source, '--queue-url', options.cwd, state);
        // A FIFO queue needs a group, and a deduplication id unless content-based: a fresh one, so every send is delivered.
        const fifo = queueUrl.endsWith('.fifo') ? { MessageGroupId: options.groupId ?? 'sluice-send', MessageDeduplicationId: randomUUID() } : {};
        const sent = await clients.get('sqs').send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...fifo }));
        return `sent message ${sent.MessageId} to ${queueUrl}`;
      }
      case 'kinesis': {
        const stream = options.stream ?? state?.resources.streams?.[0]?.name;
        if (!stream) throw missingTarget(source, '--stream', options.cwd, state);
        const put = await clients
          .get('kinesis')
          .send(new PutRecordCommand({ StreamName: stream, Data: Buffer.from(body), PartitionKey: options.partitionKey ?? randomUUID() }));
        return `put record ${put.SequenceNumber} into stream ${stream} (shard ${put.ShardId})`;
      }
      case 'dynamodb': {
        const table = options.table ?? state?.resources.tables?.[0]?.name;
        if (!table) throw missingTarget(source, '--table', options.cwd, state);
        await clients.get('dynamodb').send(new PutItemCommand({ TableName: table, Item: item }));
        return `put item into table ${table}`;
      }
    }
  } finally {
    clients.destroy();
  }
}
