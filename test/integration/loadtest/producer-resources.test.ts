/**
 * The producer's puts and the run's resources against the emulators (fauxqs, kinesis-local,
 * DynamoDB Local): resources created, records sent through the producer, counted back with
 * ReceiveMessage / GetRecords / Scan under the ids the producer reported, and everything the
 * run created removed afterwards, also when the preparation is aborted half-way.
 */
import { describe, expect, it } from 'vitest';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { DescribeTableCommand, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { getEndpoints } from '../../support/index.js';
import { createLoadtestClients, type LoadtestClients } from '../../../src/loadtest/clients.js';
import { newRunId, prepareResources, type RunResources } from '../../../src/loadtest/resources.js';
import { Producer } from '../../../src/loadtest/producer/producer.js';
import { createSchedule } from '../../../src/loadtest/producer/schedule.js';
import { sqsPut } from '../../../src/loadtest/producer/sqs-put.js';
import { kinesisPut } from '../../../src/loadtest/producer/kinesis-put.js';
import { dynamodbPut, dynamodbRecordId } from '../../../src/loadtest/producer/dynamodb-put.js';
import { sizedBody } from '../../../src/loadtest/payload.js';
import type { LoadSource, LoadtestPlan } from '../../../src/loadtest/plan.js';
import type { BatchPut } from '../../../src/loadtest/producer/sender.js';
import type { SentRecord } from '../../../src/loadtest/run-data.js';

function plan(source: LoadSource, overrides: Partial<LoadtestPlan> = {}): LoadtestPlan {
  const e = getEndpoints();
  return {
    source,
    resource: { kind: 'create', shards: 2 },
    functionName: 'noop',
    mapping: {},
    onFailure: true,
    load: { kind: 'count', count: 60, rate: 600 },
    payload: { kind: 'size', bytes: 200 },
    maxInFlight: 4,
    graceMs: 1_000,
    endpoints: { region: e.region, lambda: 'http://127.0.0.1:9', sqs: e.sqs, kinesis: e.kinesis, dynamodb: e.dynamodb, credentials: { ...e.credentials } },
    ...overrides,
  };
}

async function produce(put: BatchPut, runId: string, count: number): Promise<SentRecord[]> {
  const producer = new Producer({
    schedule: createSchedule({ kind: 'count', count, rate: count * 5 }),
    put,
    record: (seq) => ({ seq, key: `lt-${runId}-${seq}`, body: sizedBody(runId, seq, 200) }),
    maxInFlight: 4,
  });
  const result = await producer.run();
  expect(result.failed).toBe(0);
  return result.sent;
}

async function receiveAll(sqs: SQSClient, queueUrl: string, expected: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 50 && ids.length < expected; i++) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
    ids.push(...Messages.map((m) => m.MessageId!));
    // Deleted as received: a FIFO group with messages in flight gives no more.
    if (Messages.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return ids;
}

async function queueGone(sqs: SQSClient, name: string): Promise<boolean> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
  return QueueUrls.length === 0;
}

async function withClients<T>(p: LoadtestPlan, body: (clients: LoadtestClients) => Promise<T>): Promise<T> {
  const clients = createLoadtestClients(p.endpoints);
  try {
    return await body(clients);
  } finally {
    clients.destroy();
  }
}

describe('loadtest resources and producer against the emulators', () => {
  for (const source of ['sqs', 'sqs-fifo'] as const) {
    it(`${source}: creates the queue and its DLQ, the records land under their MessageIds, release removes both`, async () => {
      const p = plan(source);
      await withClients(p, async (clients) => {
        const runId = newRunId();
        const resources = await prepareResources(p, clients, runId);
        let released = false;
        try {
          expect(resources.created).toBe(true);
          expect(resources.target.kind).toBe('sqs');
          if (resources.target.kind !== 'sqs') return;
          expect(resources.target.fifo).toBe(source === 'sqs-fifo');
          expect(resources.createdNames.every((n) => n.startsWith(`sluice-loadtest-${runId}`))).toBe(true);
          expect(resources.createdNames).toHaveLength(2);
          const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: resources.target.queueUrl, AttributeNames: ['RedrivePolicy'] }));
          expect(JSON.parse(Attributes!.RedrivePolicy!)).toMatchObject({ deadLetterTargetArn: resources.failureQueue!.queueArn, maxReceiveCount: 1 });

          const sent = await produce(sqsPut(clients.sqs, resources.target.queueUrl, resources.target.fifo, 200), runId, 45);
          expect(sent).toHaveLength(45);
          const received = await receiveAll(clients.sqs, resources.target.queueUrl, 45);
          expect(received.sort()).toEqual(sent.map((s) => s.id).sort());
        } finally {
          expect(await resources.release()).toEqual([]);
          released = true;
        }
        expect(released).toBe(true);
        expect(await queueGone(clients.sqs, `sluice-loadtest-${runId}`)).toBe(true);
      });
    });
  }

  it('sqs: an existing queue is used as is (found by ARN) and not removed', async () => {
    await withClients(plan('sqs'), async (clients) => {
      const ownerId = newRunId();
      const owner = await prepareResources(plan('sqs', { onFailure: false }), clients, ownerId);
      try {
        if (owner.target.kind !== 'sqs') throw new Error('not sqs');
        const existing = await prepareResources(plan('sqs', { resource: { kind: 'existing', arn: owner.eventSourceArn }, onFailure: false }), clients, newRunId());
        expect(existing.created).toBe(false);
        expect(existing.target).toEqual(owner.target);
        expect(existing.createdNames).toEqual([]);
        expect(await existing.release()).toEqual([]);
        const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: `sluice-loadtest-${ownerId}` }));
        expect(QueueUrl).toBe(owner.target.queueUrl);
      } finally {
        await owner.release();
      }
    });
  });

  it('kinesis: creates a 2-shard stream and an on-failure queue, the records land under shardId:sequenceNumber, release removes them', async () => {
    const p = plan('kinesis');
    await withClients(p, async (clients) => {
      const runId = newRunId();
      const resources: RunResources = await prepareResources(p, clients, runId);
      try {
        if (resources.target.kind !== 'kinesis') throw new Error('not kinesis');
        const streamName = resources.target.streamName;
        expect(resources.onFailureDestinationArn).toBe(resources.failureQueue?.queueArn);
        const { Shards = [] } = await clients.kinesis.send(new ListShardsCommand({ StreamName: streamName }));
        expect(Shards).toHaveLength(2);
        const sent = await produce(kinesisPut(clients.kinesis, streamName, 200), runId, 120);
        expect(sent).toHaveLength(120);
        const ids: string[] = [];
        for (const shard of Shards) {
          const { ShardIterator } = await clients.kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
          const { Records = [] } = await clients.kinesis.send(new GetRecordsCommand({ ShardIterator: ShardIterator!, Limit: 1000 }));
          ids.push(...Records.map((r) => `${shard.ShardId!}:${r.SequenceNumber!}`));
        }
        expect(ids.sort()).toEqual(sent.map((s) => s.id).sort());
      } finally {
        expect(await resources.release()).toEqual([]);
      }
      const { StreamNames = [] } = await clients.kinesis.send(new ListStreamsCommand({}));
      const left = StreamNames.filter((n) => n.startsWith(`sluice-loadtest-${runId}`));
      for (const name of left) {
        // kinesis-local may still list a stream being deleted.
        const { StreamDescriptionSummary } = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })).catch(() => ({ StreamDescriptionSummary: undefined }));
        expect(StreamDescriptionSummary?.StreamStatus ?? 'DELETING').toBe('DELETING');
      }
      expect(await queueGone(clients.sqs, `sluice-loadtest-${runId}`)).toBe(true);
    });
  });

  it('dynamodb: creates a table with a stream, the items land under their key ids, release removes the table', async () => {
    const p = plan('dynamodb', { onFailure: false });
    await withClients(p, async (clients) => {
      const runId = newRunId();
      const resources = await prepareResources(p, clients, runId);
      try {
        if (resources.target.kind !== 'dynamodb') throw new Error('not dynamodb');
        expect(resources.eventSourceArn).toMatch(new RegExp(`:table/sluice-loadtest-${runId}/stream/`));
        const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: resources.target.tableName }));
        expect(Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
        const sent = await produce(dynamodbPut(clients.dynamodb, resources.target.tableName, 200), runId, 60);
        const { Items = [] } = await clients.dynamodb.send(new ScanCommand({ TableName: resources.target.tableName }));
        expect(Items.map((item) => dynamodbRecordId(item.pk!.S!)).sort()).toEqual(sent.map((s) => s.id).sort());
        expect(sent[0]?.id).toMatch(/^\{"pk":\{"S":"lt-/);
      } finally {
        expect(await resources.release()).toEqual([]);
      }
      const { TableNames = [] } = await clients.dynamodb.send(new ListTablesCommand({}));
      expect(TableNames.filter((n) => n.startsWith(`sluice-loadtest-${runId}`))).toEqual([]);
    });
  });

  it('an aborted preparation removes what it had created before it throws', async () => {
    const p = plan('dynamodb', { onFailure: true });
    await withClients(p, async (clients) => {
      const runId = newRunId();
      const controller = new AbortController();
      controller.abort();
      // The queue and the table are created (those calls take no signal), then the wait for ACTIVE sees the abort.
      await expect(prepareResources(p, clients, runId, { signal: controller.signal })).rejects.toThrow(/abort/i);
      const { TableNames = [] } = await clients.dynamodb.send(new ListTablesCommand({}));
      expect(TableNames.filter((n) => n.startsWith(`sluice-loadtest-${runId}`))).toEqual([]);
      expect(await queueGone(clients.sqs, `sluice-loadtest-${runId}`)).toBe(true);
    });
  });
});
