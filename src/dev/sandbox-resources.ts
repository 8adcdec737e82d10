/**
 * The resources of the config's `sandbox:` section (src/config/sandbox-schema.ts), created
 * with the AWS SDK as users create theirs, and its mappings, created through Sluice's own
 * Lambda API with `@aws-sdk/client-lambda` (the call the README teaches next, so the
 * sandbox runs the very path a newcomer will use; and a stream's ARN exists only once the
 * stream does, so mappings name their source and the ARN is filled in here).
 *
 * Everything is idempotent: existing resources are reused, and a mapping that exists for
 * the same source and function is kept (its UUID, checkpoints and state) and updated to
 * the declared settings when they differ, so a sandbox whose Redis and emulators outlive
 * it (kept under .sluice/, or SLUICE_REDIS_URL, AWS_ENDPOINT_URL_*) starts again cleanly.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { CreateStreamCommand, DescribeStreamSummaryCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaClient,
  type UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws/clients.js';
import { isFifoQueue, type SandboxMappingSpec, type SandboxQueueSpec, type SandboxSpec } from '../config/sandbox-schema.js';
import type { SandboxResources, SourceType } from './state-file.js';
import { foreignSourceFields } from '../mappings/model.js';

/** Seconds the SDK waiters may wait for a stream or table to become ACTIVE. */
const WAIT_SECONDS = 60;

/** A problem with what the `sandbox:` section declares, said in one line naming the entry. */
export class SandboxResourceError extends Error {
  override name = 'SandboxError';
}

const errorName = (error: unknown): string => (error as { name?: string } | undefined)?.name ?? '';
const describe = (error: unknown): string => `${errorName(error) || 'Error'}: ${(error as Error | undefined)?.message ?? String(error)}`;

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

type QueueResource = NonNullable<SandboxResources['queues']>[number];

async function createSandboxQueue(clients: AwsClients, queue: SandboxQueueSpec): Promise<QueueResource[]> {
  const fifo = isFifoQueue(queue);
  const fifoAttributes = fifo
    ? { FifoQueue: 'true', ...(queue.contentBasedDeduplication !== undefined ? { ContentBasedDeduplication: String(queue.contentBasedDeduplication) } : {}) }
    : {};
  const created: QueueResource[] = [];
  let redrive: Record<string, string> = {};
  if (queue.dlq) {
    const url = await createQueue(clients, queue.dlq.name, fifo ? { FifoQueue: 'true' } : {});
    const arn = await queueArnOf(clients, url);
    created.push({ name: queue.dlq.name, url, arn, deadLetterOf: queue.name });
    redrive = { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: queue.dlq.maxReceiveCount }) };
  }
  const url = await createQueue(clients, queue.name, {
    ...fifoAttributes,
    ...(queue.visibilityTimeout !== undefined ? { VisibilityTimeout: String(queue.visibilityTimeout) } : {}),
    ...redrive,
  });
  // The queue first: `sluice send sqs` sends to the first queue that is not a DLQ.
  return [{ name: queue.name, url, arn: await queueArnOf(clients, url), ...(queue.dlq ? { deadLetterQueue: queue.dlq.name } : {}) }, ...created];
}

async function createSandboxStream(clients: AwsClients, stream: SandboxSpec['streams'][number]): Promise<NonNullable<SandboxResources['streams']>[number]> {
  const kinesis = clients.get('kinesis');
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shards }));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: WAIT_SECONDS, minDelay: 1, maxDelay: 1 }, { StreamName: stream.name });
  const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.name }));
  if (!StreamDescriptionSummary?.StreamARN) throw new Error(`DescribeStreamSummary ${stream.name} returned no StreamARN`);
  return { name: stream.name, arn: StreamDescriptionSummary.StreamARN };
}

async function createSandboxTable(clients: AwsClients, table: SandboxSpec['tables'][number]): Promise<NonNullable<SandboxResources['tables']>[number]> {
  const dynamodb = clients.get('dynamodb');
  const keys = Object.entries(table.key);
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table.name,
        KeySchema: keys.map(([name], i) => ({ AttributeName: name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        AttributeDefinitions: keys.map(([name, type]) => ({ AttributeName: name, AttributeType: type })),
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType },
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: WAIT_SECONDS, minDelay: 1, maxDelay: 1 }, { TableName: table.name });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
  if (!Table?.LatestStreamArn) throw new Error(`table ${table.name} exists without a stream; delete it (or start with --fresh)`);
  return { name: table.name, streamArn: Table.LatestStreamArn, key: table.key };
}

/** Runs `create` for each entry, naming the entry in the error of the first that fails. */
async function eachCreated<T, R>(kind: string, entries: readonly T[], nameOf: (entry: T) => string, create: (entry: T) => Promise<R>): Promise<R[]> {
  return Promise.all(
    entries.map((entry, index) =>
      create(entry).catch((error: unknown) => {
        throw new SandboxResourceError(`sandbox.${kind}[${index}] (${nameOf(entry)}): ${describe(error)}`);
      }),
    ),
  );
}

/** Creates (or finds) each resource of `spec` whose service is among `sources`. */
export async function createSandboxResources(clients: AwsClients, spec: SandboxSpec, sources: readonly SourceType[]): Promise<SandboxResources> {
  const [queues, streams, tables] = await Promise.all([
    sources.includes('sqs') ? eachCreated('queues', spec.queues, (q) => q.name, (q) => createSandboxQueue(clients, q)) : [],
    sources.includes('kinesis') ? eachCreated('streams', spec.streams, (s) => s.name, (s) => createSandboxStream(clients, s)) : [],
    sources.includes('dynamodb') ? eachCreated('tables', spec.tables, (t) => t.name, (t) => createSandboxTable(clients, t)) : [],
  ]);
  return { queues: queues.flat(), streams, tables };
}

/** A mapping of the section as a CreateEventSourceMapping request, or why it is left out. */
export type MappingRequest = { index: number; label: string; request: CreateEventSourceMappingCommandInput } | { index: number; label: string; skipped: string };

const SERVICE_OF = { queue: 'sqs', stream: 'kinesis', table: 'dynamodb' } as const;

function sourceArn(mapping: SandboxMappingSpec, resources: SandboxResources): string | undefined {
  if (mapping.queue !== undefined) return resources.queues?.find((q) => q.name === mapping.queue)?.arn;
  if (mapping.stream !== undefined) return resources.streams?.find((s) => s.name === mapping.stream)?.arn;
  if (mapping.table !== undefined) return resources.tables?.find((t) => t.name === mapping.table)?.streamArn;
  return mapping.EventSourceArn;
}

/** The CreateEventSourceMapping request of each mapping of `spec`, in order. */
export function mappingRequests(spec: SandboxSpec, resources: SandboxResources): MappingRequest[] {
  return spec.mappings.map((mapping, index) => {
    const { function: functionName, queue, stream, table, onFailure, FunctionName: _never, ...lambdaFields } = mapping;
    const sourceName = queue ?? stream ?? table ?? mapping.EventSourceArn ?? '';
    const label = `sandbox.mappings[${index}] (${sourceName} -> ${functionName})`;
    const arn = sourceArn(mapping, resources);
    if (arn === undefined) {
      const kind = queue !== undefined ? 'queue' : stream !== undefined ? 'stream' : 'table';
      return { index, label, skipped: `${label} skipped: ${SERVICE_OF[kind]} is not running (see the notes above)` };
    }
    const isStream = stream !== undefined || table !== undefined || /^arn:[^:]+:(kinesis|dynamodb):/.test(arn);
    const onFailureArn = onFailure === undefined ? undefined : resources.queues?.find((q) => q.name === onFailure)?.arn;
    const request: CreateEventSourceMappingCommandInput = {
      // (chosen) LATEST unless said otherwise, as Lambda has no default and every record
      // sent once the sandbox is ready must be delivered; pinned at Create, so a reused
      // stream's old records are not replayed.
      ...(isStream ? { StartingPosition: 'LATEST' } : {}),
      ...(lambdaFields as Partial<CreateEventSourceMappingCommandInput>),
      ...(onFailureArn ? { DestinationConfig: { OnFailure: { Destination: onFailureArn } } } : {}),
      FunctionName: functionName,
      EventSourceArn: arn,
    };
    return { index, label, request };
  });
}

/** Fields CreateEventSourceMapping takes and UpdateEventSourceMapping does not (the foreign sources' are refused at Create anyway). */
const CREATE_ONLY = new Set<string>(['EventSourceArn', 'StartingPosition', 'StartingPositionTimestamp', 'Tags', ...foreignSourceFields]);

/** The declared settings an existing mapping does not have (compared as JSON), as an Update request; undefined when none. */
export function updateFor(uuid: string, request: CreateEventSourceMappingCommandInput, existing: Record<string, unknown>): UpdateEventSourceMappingCommandInput | undefined {
  const changed = Object.entries(request).filter(([key, value]) => !CREATE_ONLY.has(key) && key !== 'FunctionName' && JSON.stringify(existing[key]) !== JSON.stringify(value));
  if (changed.length === 0) return undefined;
  return { UUID: uuid, ...Object.fromEntries(changed) };
}

export interface EnsuredMapping {
  uuid: string;
  label: string;
  action: 'created' | 'updated' | 'kept';
}

/**
 * Creates each requested mapping through the API, or keeps the one that exists for the
 * same source and function (updated to the declared settings). An error names the entry.
 */
export async function ensureMappings(lambda: LambdaClient, requests: readonly MappingRequest[]): Promise<EnsuredMapping[]> {
  const ensured: EnsuredMapping[] = [];
  for (const entry of requests) {
    if ('skipped' in entry) continue;
    const { request, label } = entry;
    try {
      const existing = (await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: request.EventSourceArn, FunctionName: request.FunctionName }))).EventSourceMappings?.[0];
      if (existing?.UUID) {
        const update = updateFor(existing.UUID, request, existing as Record<string, unknown>);
        if (update) await lambda.send(new UpdateEventSourceMappingCommand(update));
        ensured.push({ uuid: existing.UUID, label, action: update ? 'updated' : 'kept' });
        continue;
      }
      const { UUID } = await lambda.send(new CreateEventSourceMappingCommand(request));
      if (!UUID) throw new Error('CreateEventSourceMapping returned no UUID');
      ensured.push({ uuid: UUID, label, action: 'created' });
    } catch (error) {
      throw new SandboxResourceError(`${label}: ${describe(error)}`);
    }
  }
  return ensured;
}
