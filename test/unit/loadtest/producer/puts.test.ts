/**
 * The puts' reading of partial answers, which the emulators do not produce on demand:
 * PutRecords per-record errors, SendMessageBatch `Failed` (and entries in neither list),
 * BatchWriteItem `UnprocessedItems`. The client is a stub answering one canned response
 * and keeping the request; the landing of records is tested against the emulators in
 * test/integration/loadtest/.
 */
import { describe, expect, it } from 'vitest';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { kinesisBatchSize, kinesisPut } from '../../../../src/loadtest/producer/kinesis-put.js';
import { FIFO_GROUPS, sqsBatchSize, sqsPut } from '../../../../src/loadtest/producer/sqs-put.js';
import { CREATED_TABLE_KEYS, dynamodbBatchSize, dynamodbPut } from '../../../../src/loadtest/producer/dynamodb-put.js';
import type { OutgoingRecord } from '../../../../src/loadtest/producer/sender.js';

function stub<T>(answer: unknown): { client: T; inputs: Array<Record<string, unknown>> } {
  const inputs: Array<Record<string, unknown>> = [];
  const client = { send: async (command: { input: Record<string, unknown> }) => (inputs.push(command.input), answer) } as unknown as T;
  return { client, inputs };
}

const records = (n: number): OutgoingRecord[] => Array.from({ length: n }, (_, seq) => ({ seq, key: `lt-r-${seq}`, body: `{"n":${seq}}` }));

describe('kinesisPut', () => {
  it('lands records with a ShardId and SequenceNumber, fails those with an ErrorCode', async () => {
    const { client, inputs } = stub<KinesisClient>({
      FailedRecordCount: 1,
      Records: [
        { ShardId: 'shardId-000000000001', SequenceNumber: '49' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' },
        { ShardId: 'shardId-000000000000', SequenceNumber: '50' },
      ],
    });
    const result = await kinesisPut(client, 'stream', 10).put(records(3));
    expect(result.landed.map((l) => [l.record.seq, l.id])).toEqual([
      [0, 'shardId-000000000001:49'],
      [2, 'shardId-000000000000:50'],
    ]);
    expect(result.failed.map((r) => r.seq)).toEqual([1]);
    expect(result.failure).toMatch(/ProvisionedThroughputExceededException/);
    const sent = inputs[0] as { StreamName: string; Records: Array<{ PartitionKey: string; Data: Uint8Array }> };
    expect(sent.StreamName).toBe('stream');
    expect(new Set(sent.Records.map((r) => r.PartitionKey)).size).toBe(3);
    expect(Buffer.from(sent.Records[2]!.Data).toString()).toBe('{"n":2}');
  });

  it('batches stay under 500 records and 5 MiB', () => {
    expect(kinesisBatchSize(100)).toBe(500);
    expect(kinesisBatchSize(100_000)).toBe(52);
    expect(kinesisBatchSize(1_048_576)).toBe(4);
  });
});

describe('sqsPut', () => {
  it("lands Successful entries under their MessageId; Failed and unanswered entries are failed", async () => {
    const { client, inputs } = stub<SQSClient>({
      Successful: [{ Id: '0', MessageId: 'm-0' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
    });
    const result = await sqsPut(client, 'http://q', true, 10).put(records(3));
    expect(result.landed.map((l) => l.id)).toEqual(['m-0']);
    expect(result.failed.map((r) => r.seq)).toEqual([1, 2]);
    expect(result.failure).toBe('SendMessageBatch: InternalError: try again');
    const entries = (inputs[0] as { Entries: Array<Record<string, string>> }).Entries;
    expect(entries[2]).toMatchObject({ Id: '2', MessageGroupId: `g${2 % FIFO_GROUPS}`, MessageDeduplicationId: 'lt-r-2' });
  });

  it('standard queues carry no FIFO fields; batches stay under 10 entries and 256 KiB', async () => {
    const { client, inputs } = stub<SQSClient>({ Successful: [{ Id: '0', MessageId: 'm' }] });
    await sqsPut(client, 'http://q', false, 10).put(records(1));
    expect((inputs[0] as { Entries: Array<Record<string, string>> }).Entries[0]).toEqual({ Id: '0', MessageBody: '{"n":0}' });
    expect(sqsBatchSize(1_000)).toBe(10);
    expect(sqsBatchSize(100_000)).toBe(2);
    expect(sqsBatchSize(262_144)).toBe(1);
  });
});

describe('dynamodbPut', () => {
  it('UnprocessedItems are failed, the others land under their key id', async () => {
    const { client } = stub<DynamoDBClient>({ UnprocessedItems: { table: [{ PutRequest: { Item: { pk: { S: 'lt-r-1' }, payload: { S: '{}' } } } }] } });
    const result = await dynamodbPut(client, 'table', CREATED_TABLE_KEYS, 10).put(records(3));
    expect(result.landed.map((l) => l.id)).toEqual(['{"pk":{"S":"lt-r-0"}}', '{"pk":{"S":"lt-r-2"}}']);
    expect(result.failed.map((r) => r.seq)).toEqual([1]);
    expect(dynamodbBatchSize(100)).toBe(25);
  });

  it("an existing table's own key schema: a number partition key from the base, a string sort key; ids with sorted names", async () => {
    const keys = { hash: { name: 'id', type: 'N' as const }, range: { name: 'at', type: 'S' as const }, numberBase: 1_000 };
    const { client, inputs } = stub<DynamoDBClient>({ UnprocessedItems: { table: [{ PutRequest: { Item: { id: { N: '1000' }, at: { S: 'lt-r-0' }, payload: { S: '{}' } } } }] } });
    const result = await dynamodbPut(client, 'table', keys, 10).put(records(2));
    expect(result.failed.map((r) => r.seq)).toEqual([0]);
    expect(result.landed.map((l) => l.id)).toEqual(['{"at":{"S":"lt-r-1"},"id":{"N":"1001"}}']);
    const items = (inputs[0] as { RequestItems: { table: Array<{ PutRequest: { Item: unknown } }> } }).RequestItems.table.map((r) => r.PutRequest.Item);
    expect(items[1]).toEqual({ id: { N: '1001' }, at: { S: 'lt-r-1' }, payload: { S: '{"n":1}' } });
  });
});
