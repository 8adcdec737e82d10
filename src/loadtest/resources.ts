/**
 * The run's source resource and its failure destination: an existing one by ARN (used as
 * is, never changed), or one the run creates, named `sluice-loadtest-<runid>-…`, and removes
 * at the end. Only what this module created is removed: `release()` undoes the creations in
 * reverse order, and `prepareResources` undoes a half-done preparation itself before it
 * rethrows, so a failure or an abort half-way leaves nothing behind.
 *
 * Created resources (chosen settings, why):
 * - SQS: a standard queue, or a FIFO queue for sqs-fifo, VisibilityTimeout 10 s (a failed
 *   message comes back, or moves to the DLQ, within a short grace period instead of SQS'
 *   default 30 s; Sluice extends it per receive when the function's timeout needs more).
 *   With onFailure a DLQ (FIFO for a FIFO queue) and a redrive policy with maxReceiveCount 1
 *   (chosen: a record the function failed once goes to the DLQ at its next receive, so the
 *   destination count is "records that failed" and is known within one visibility timeout;
 *   a run that wants to see retries passes an existing queue with its own policy).
 * - Kinesis: a stream of `shards` shards (default 1), waited for until ACTIVE.
 * - DynamoDB: a table keyed by `pk` (string), on-demand, with a NEW_AND_OLD_IMAGES stream.
 * - Streams with onFailure: a standard SQS queue, the mapping's OnFailure destination.
 *
 * Existing resources: an SQS ARN is turned into its URL by GetQueueUrl; with onFailure the
 * queue's own redrive DLQ, if it has one, is counted (its depth at the end minus at the
 * start). A stream ARN is the mapping's EventSourceArn as given; a DynamoDB stream ARN names
 * its table (`…:table/<name>/stream/<label>`), which the producer writes.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { LoadtestClients } from './clients.js';
import type { LoadtestPlan } from './plan.js';
import { sleep } from './sleep.js';
import { parseEventSourceArn, type EventSource } from '../mappings/event-source-arn.js';
import { CREATED_TABLE_KEYS, KEY_ATTRIBUTE, type KeyAttribute, type TableKeys } from './producer/dynamodb-put.js';
import { deadLetterTargetOf, queueUrlOf } from '../aws/sqs-queues.js';

export const SQS_VISIBILITY_SECONDS = 10;
export const DLQ_MAX_RECEIVE_COUNT = 1;
const DEFAULT_SHARDS = 1;

export type SourceTarget =
  | { kind: 'sqs'; queueUrl: string; fifo: boolean }
  | { kind: 'kinesis'; streamName: string }
  | { kind: 'dynamodb'; tableName: string; keys: TableKeys };

export interface FailureQueue {
  queueUrl: string;
  queueArn: string;
  /** Messages it held before the run (0 for a queue the run created). */
  baseline: number;
}

export interface RunResources {
  /** The mapping's EventSourceArn. */
  eventSourceArn: string;
  /** Where the producer writes. */
  target: SourceTarget;
  /** Streams: the on-failure destination (DestinationConfig). SQS: the queue's DLQ. Counted at the end. */
  failureQueue?: FailureQueue;
  /** For the mapping's DestinationConfig (streams with a created on-failure queue). */
  onFailureDestinationArn?: string;
  /** Whether the run created the source (StartingPosition depends on it). */
  created: boolean;
  /** Names of what the run created, for the report and the log. */
  createdNames: string[];
  /** Removes everything created; returns what could not be removed (never throws). */
  release(): Promise<string[]>;
}

export interface ResourceOptions {
  signal?: AbortSignal;
  /** How long to wait for a created stream or table to become ACTIVE. */
  activeTimeoutMs?: number;
  pollMs?: number;
}

/** A short, unique run id: names of created resources and DynamoDB keys carry it. */
export const newRunId = (): string => randomUUID().slice(0, 8);

export const resourceName = (runId: string, suffix?: string): string => `sluice-loadtest-${runId}${suffix ? `-${suffix}` : ''}`;

/** The queue, stream or table an ARN names, read by the mapping model's one ARN parser. */
function sourceOf(arn: string): EventSource {
  const source = parseEventSourceArn(arn);
  if (!source) throw new Error(`not an SQS queue, Kinesis stream or DynamoDB stream ARN: ${arn}`);
  return source;
}

async function waitFor(what: string, check: () => Promise<boolean>, options: ResourceOptions): Promise<void> {
  const deadline = Date.now() + (options.activeTimeoutMs ?? 60_000);
  for (;;) {
    options.signal?.throwIfAborted();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${options.activeTimeoutMs ?? 60_000} ms`);
    await sleep(options.pollMs ?? 200);
  }
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`GetQueueAttributes gave no QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
}

/** Messages in a queue, visible and in flight (both are waiting to be handled or counted). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

export async function prepareResources(plan: LoadtestPlan, clients: LoadtestClients, runId: string, options: ResourceOptions = {}): Promise<RunResources> {
  const undo: Array<{ name: string; remove: () => Promise<unknown> }> = [];
  const release = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const step of undo.splice(0).reverse()) {
      try {
        await step.remove();
      } catch (error) {
        problems.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return problems;
  };
  try {
    const prepared = await prepare(plan, clients, runId, options, undo);
    return { ...prepared, createdNames: undo.map((u) => u.name), release };
  } catch (error) {
    await release();
    throw error;
  }
}

type Undo = Array<{ name: string; remove: () => Promise<unknown> }>;

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>, undo: Undo): Promise<{ queueUrl: string; queueArn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`CreateQueue gave no QueueUrl for ${name}`);
  undo.push({ name, remove: () => sqs.send(new DeleteQueueCommand({ QueueUrl })) });
  return { queueUrl: QueueUrl, queueArn: await queueArnOf(sqs, QueueUrl) };
}

async function prepare(plan: LoadtestPlan, clients: LoadtestClients, runId: string, options: ResourceOptions, undo: Undo): Promise<Omit<RunResources, 'release' | 'createdNames'>> {
  const { sqs, kinesis, dynamodb } = clients;
  const { resource } = plan;

  if (plan.source === 'sqs' || plan.source === 'sqs-fifo') {
    const fifo = plan.source === 'sqs-fifo';
    if (resource.kind === 'existing') {
      const { name, account } = sourceOf(resource.arn);
      const queueUrl = await queueUrlOf(sqs, name, account);
      let failureQueue: FailureQueue | undefined;
      if (plan.onFailure) failureQueue = await existingDlq(sqs, queueUrl);
      return { eventSourceArn: resource.arn, target: { kind: 'sqs', queueUrl, fifo }, created: false, ...(failureQueue ? { failureQueue } : {}) };
    }
    const suffix = fifo ? '.fifo' : '';
    const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
    let failureQueue: FailureQueue | undefined;
    const attributes: Record<string, string> = { ...fifoAttributes, VisibilityTimeout: String(SQS_VISIBILITY_SECONDS) };
    if (plan.onFailure) {
      const dlq = await createQueue(sqs, `${resourceName(runId, 'dlq')}${suffix}`, fifoAttributes, undo);
      failureQueue = { ...dlq, baseline: 0 };
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: DLQ_MAX_RECEIVE_COUNT });
    }
    const queue = await createQueue(sqs, `${resourceName(runId)}${suffix}`, attributes, undo);
    return { eventSourceArn: queue.queueArn, target: { kind: 'sqs', queueUrl: queue.queueUrl, fifo }, created: true, ...(failureQueue ? { failureQueue } : {}) };
  }

  // Streams: the on-failure destination first, so a failure to create it creates no stream.
  let failureQueue: FailureQueue | undefined;
  if (plan.onFailure) {
    const queue = await createQueue(sqs, resourceName(runId, 'onfailure'), {}, undo);
    failureQueue = { ...queue, baseline: 0 };
  }
  const withFailure = failureQueue ? { failureQueue, onFailureDestinationArn: failureQueue.queueArn } : {};

  if (plan.source === 'kinesis') {
    if (resource.kind === 'existing') {
      return { eventSourceArn: resource.arn, target: { kind: 'kinesis', streamName: sourceOf(resource.arn).name }, created: false, ...withFailure };
    }
    const streamName = resourceName(runId);
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: resource.shards ?? DEFAULT_SHARDS }));
    undo.push({ name: streamName, remove: () => kinesis.send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true })) });
    let arn: string | undefined;
    await waitFor(`stream ${streamName}`, async () => {
      const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      arn = s?.StreamARN;
      return s?.StreamStatus === 'ACTIVE';
    }, options);
    return { eventSourceArn: arn!, target: { kind: 'kinesis', streamName }, created: true, ...withFailure };
  }

  if (resource.kind === 'existing') {
    const tableName = sourceOf(resource.arn).name;
    const keys = await existingTableKeys(dynamodb, tableName);
    return { eventSourceArn: resource.arn, target: { kind: 'dynamodb', tableName, keys }, created: false, ...withFailure };
  }
  const tableName = resourceName(runId);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: KEY_ATTRIBUTE, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  undo.push({ name: tableName, remove: () => dynamodb.send(new DeleteTableCommand({ TableName: tableName })) });
  let streamArn: string | undefined;
  await waitFor(`table ${tableName}`, async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    streamArn = Table?.LatestStreamArn;
    return Table?.TableStatus === 'ACTIVE' && streamArn !== undefined;
  }, options);
  return { eventSourceArn: streamArn!, target: { kind: 'dynamodb', tableName, keys: CREATED_TABLE_KEYS }, created: true, ...withFailure };
}

/**
 * An existing table's key schema, for the items the producer writes. String and number keys
 * only (see producer/dynamodb-put.ts); number keys start at the run's start in µs.
 */
async function existingTableKeys(dynamodb: LoadtestClients['dynamodb'], tableName: string): Promise<TableKeys> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const typeOf = (name: string): KeyAttribute => {
    const type = Table?.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    if (type !== 'S' && type !== 'N') throw new Error(`table ${tableName}: key attribute ${name} is of type ${type ?? 'unknown'}; the load test writes string or number keys only`);
    return { name, type };
  };
  const hash = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (!hash) throw new Error(`table ${tableName}: DescribeTable gave no partition key`);
  const range = Table?.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return { hash: typeOf(hash), ...(range ? { range: typeOf(range) } : {}), numberBase: Date.now() * 1000 };
}

/** An existing queue's redrive DLQ, if it has one, with its depth now as the baseline. */
async function existingDlq(sqs: SQSClient, queueUrl: string): Promise<FailureQueue | undefined> {
  const target = await deadLetterTargetOf(sqs, queueUrl);
  if (!target) return undefined;
  const { name, account } = sourceOf(target);
  const dlqUrl = await queueUrlOf(sqs, name, account);
  return { queueUrl: dlqUrl, queueArn: target, baseline: await queueDepth(sqs, dlqUrl) };
}
