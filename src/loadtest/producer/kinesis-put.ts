/**
 * PutRecords: up to 500 records and 5 MiB a request. Partition key: a random UUID per
 * record (chosen: spreads records evenly over the shards, like many independent producers;
 * ordering inside a key is not what a throughput test measures). A record's trace id is
 * `${ShardId}:${SequenceNumber}` from the answer (the contract's kinesis rule).
 */
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisEventId } from '../../mappings/invocation-trace.js';
import type { BatchPut, OutgoingRecord } from './sender.js';

const MAX_RECORDS = 500;
const MAX_REQUEST_BYTES = 5 * 1024 * 1024;

export function kinesisBatchSize(bodyBytes: number): number {
  // A partition key (36 bytes) counts towards the request's size too.
  return Math.max(1, Math.min(MAX_RECORDS, Math.floor(MAX_REQUEST_BYTES / (Math.max(1, bodyBytes) + 36))));
}

export function kinesisPut(client: KinesisClient, streamName: string, bodyBytes: number): BatchPut {
  return {
    maxBatch: kinesisBatchSize(bodyBytes),
    async put(records: OutgoingRecord[]) {
      const answer = await client.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: records.map((r) => ({ Data: Buffer.from(r.body), PartitionKey: randomUUID() })),
        }),
      );
      const landed: Array<{ record: OutgoingRecord; id: string }> = [];
      const failed: OutgoingRecord[] = [];
      let failure: string | undefined;
      // The answer's Records are in the request's order (Kinesis API).
      records.forEach((record, i) => {
        const entry = answer.Records?.[i];
        if (entry && !entry.ErrorCode && entry.ShardId && entry.SequenceNumber) {
          landed.push({ record, id: kinesisEventId(entry.ShardId, entry.SequenceNumber) });
        } else {
          failed.push(record);
          failure ??= `PutRecords: ${entry?.ErrorCode ?? 'no answer for the record'}: ${entry?.ErrorMessage ?? ''}`;
        }
      });
      return { landed, failed, ...(failure ? { failure } : {}) };
    },
  };
}
