/**
 * BatchWriteItem: up to 25 puts and 16 MiB a request; `UnprocessedItems` are failed entries,
 * sent again. Each record is one item: its key attributes (the table's key schema: `pk` for
 * a table the run created) and the body in a `payload` attribute. Key values: a string key
 * is the record's key `lt-<runid>-<seq>`; a number key is `base + seq` (base: the run's
 * start in µs, chosen so runs on the same existing table do not overwrite each other's
 * items). Binary keys are refused (their DynamoDB JSON in a stream record is base64, a rule
 * the trace ids do not cover). A record's trace id is `dynamodbKeyId(key attributes)`,
 * the stream record's `dynamodb.Keys` (the contract's dynamodb rule).
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamodbKeyId } from '../../mappings/invocation-trace.js';
import type { BatchPut, OutgoingRecord } from './sender.js';

const MAX_ITEMS = 25;
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export const KEY_ATTRIBUTE = 'pk';
export const PAYLOAD_ATTRIBUTE = 'payload';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

/** A table's key schema: the partition key, and the sort key if it has one. */
export interface TableKeys {
  hash: KeyAttribute;
  range?: KeyAttribute;
  /** Number keys are `numberBase + seq`. */
  numberBase?: number;
}

export const CREATED_TABLE_KEYS: TableKeys = { hash: { name: KEY_ATTRIBUTE, type: 'S' } };

export function dynamodbBatchSize(bodyBytes: number): number {
  return Math.max(1, Math.min(MAX_ITEMS, Math.floor(MAX_REQUEST_BYTES / (Math.max(1, bodyBytes) + 64))));
}

function keyValue(attribute: KeyAttribute, record: OutgoingRecord, keys: TableKeys): AttributeValue {
  return attribute.type === 'S' ? { S: record.key } : { N: String((keys.numberBase ?? 0) + record.seq) };
}

export function dynamodbKey(record: OutgoingRecord, keys: TableKeys): Record<string, AttributeValue> {
  return {
    [keys.hash.name]: keyValue(keys.hash, record, keys),
    ...(keys.range ? { [keys.range.name]: keyValue(keys.range, record, keys) } : {}),
  };
}

export function dynamodbItem(record: OutgoingRecord, keys: TableKeys): Record<string, AttributeValue> {
  return { ...dynamodbKey(record, keys), [PAYLOAD_ATTRIBUTE]: { S: record.body } };
}

export const dynamodbRecordId = (record: OutgoingRecord, keys: TableKeys): string => dynamodbKeyId(dynamodbKey(record, keys));

export function dynamodbPut(client: DynamoDBClient, tableName: string, keys: TableKeys, bodyBytes: number): BatchPut {
  return {
    maxBatch: dynamodbBatchSize(bodyBytes),
    async put(records: OutgoingRecord[]) {
      const answer = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: records.map((r) => ({ PutRequest: { Item: dynamodbItem(r, keys) } })) } }),
      );
      // Unprocessed items are known by their key attributes.
      const unprocessed = new Set(
        (answer.UnprocessedItems?.[tableName] ?? []).map((request) => {
          const item = request.PutRequest?.Item ?? {};
          return dynamodbKeyId(Object.fromEntries([keys.hash.name, ...(keys.range ? [keys.range.name] : [])].map((name) => [name, item[name]])));
        }),
      );
      const landed: Array<{ record: OutgoingRecord; id: string }> = [];
      const failed: OutgoingRecord[] = [];
      for (const record of records) {
        const id = dynamodbRecordId(record, keys);
        if (unprocessed.has(id)) failed.push(record);
        else landed.push({ record, id });
      }
      return { landed, failed, ...(failed.length > 0 ? { failure: `BatchWriteItem: ${failed.length} unprocessed items` } : {}) };
    },
  };
}
