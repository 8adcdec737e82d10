/**
 * BatchWriteItem: up to 25 puts and 16 MiB a request; `UnprocessedItems` are failed entries,
 * sent again. Each record is an item `{ pk: { S: 'lt-<runid>-<seq>' }, payload: { S: body } }`;
 * its trace id is `dynamodbKeyId({ pk })`, the stream record's `dynamodb.Keys` (the
 * contract's dynamodb rule).
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamodbKeyId } from '../../mappings/invocation-trace.js';
import type { BatchPut, OutgoingRecord } from './sender.js';

const MAX_ITEMS = 25;
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export const KEY_ATTRIBUTE = 'pk';
export const PAYLOAD_ATTRIBUTE = 'payload';

export function dynamodbBatchSize(bodyBytes: number): number {
  return Math.max(1, Math.min(MAX_ITEMS, Math.floor(MAX_REQUEST_BYTES / (Math.max(1, bodyBytes) + 64))));
}

export function dynamodbItem(record: OutgoingRecord): Record<string, AttributeValue> {
  return { [KEY_ATTRIBUTE]: { S: record.key }, [PAYLOAD_ATTRIBUTE]: { S: record.body } };
}

export const dynamodbRecordId = (key: string): string => dynamodbKeyId({ [KEY_ATTRIBUTE]: { S: key } });

export function dynamodbPut(client: DynamoDBClient, tableName: string, bodyBytes: number): BatchPut {
  return {
    maxBatch: dynamodbBatchSize(bodyBytes),
    async put(records: OutgoingRecord[]) {
      const answer = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: records.map((r) => ({ PutRequest: { Item: dynamodbItem(r) } })) } }),
      );
      const unprocessed = new Set(
        (answer.UnprocessedItems?.[tableName] ?? []).map((request) => request.PutRequest?.Item?.[KEY_ATTRIBUTE]?.S),
      );
      const landed = records.filter((r) => !unprocessed.has(r.key)).map((record) => ({ record, id: dynamodbRecordId(record.key) }));
      const failed = records.filter((r) => unprocessed.has(r.key));
      return { landed, failed, ...(failed.length > 0 ? { failure: `BatchWriteItem: ${failed.length} unprocessed items` } : {}) };
    },
  };
}
