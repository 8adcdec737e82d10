/**
 * SendMessageBatch: up to 10 entries and 256 KiB a request. FIFO: MessageGroupId spread
 * over FIFO_GROUPS groups by seq (chosen: 10 groups let Sluice run 10 groups side by side,
 * which a load test of a FIFO consumer should see, while each group keeps its order), and
 * MessageDeduplicationId = the record's key, so a retried entry is not enqueued twice.
 * A record's trace id is its MessageId (the contract's sqs rule).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BatchPut, OutgoingRecord } from './sender.js';

export const FIFO_GROUPS = 10;
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** Entries per request for bodies of about `bodyBytes` each. */
export function sqsBatchSize(bodyBytes: number): number {
  return Math.max(1, Math.min(MAX_ENTRIES, Math.floor(MAX_REQUEST_BYTES / Math.max(1, bodyBytes))));
}

export function sqsPut(client: SQSClient, queueUrl: string, fifo: boolean, bodyBytes: number): BatchPut {
  return {
    maxBatch: sqsBatchSize(bodyBytes),
    async put(records: OutgoingRecord[]) {
      const bySeq = new Map(records.map((r) => [String(r.seq), r]));
      const answer = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: records.map((r) => ({
            Id: String(r.seq),
            MessageBody: r.body,
            ...(fifo ? { MessageGroupId: `g${r.seq % FIFO_GROUPS}`, MessageDeduplicationId: r.key } : {}),
          })),
        }),
      );
      const landed = (answer.Successful ?? []).flatMap((s) => {
        const record = s.Id !== undefined ? bySeq.get(s.Id) : undefined;
        return record && s.MessageId ? [{ record, id: s.MessageId }] : [];
      });
      const done = new Set(landed.map((l) => l.record.seq));
      // Anything neither Successful nor Failed counts as failed too: never assumed sent.
      const failed = records.filter((r) => !done.has(r.seq));
      const first = answer.Failed?.[0];
      return { landed, failed, ...(failed.length > 0 ? { failure: first ? `SendMessageBatch: ${first.Code}: ${first.Message ?? ''}` : 'SendMessageBatch: entries missing from the answer' } : {}) };
    },
  };
}
