/**
 * Steady producers: records written to SQS or Kinesis at a given rate, each with an id,
 * remembering when each was accepted by the source (to measure catch-up after a fault).
 *
 * SQS bodies and Kinesis data are JSON `{"id": ...}`. Kinesis ids are `<key>:<n>`: `n`
 * counts the records of partition key `key` from 0, the per-key sequence the ledger
 * checks order against. Records of one key are put in order (one PutRecords call at a
 * time, refused entries put again first), so their stream sequence numbers grow with `n`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { putInOrder } from '../../bench/support/kinesis.js';

/** Producer rounds per second: a round writes rate / TICKS_PER_SECOND records. */
const TICKS_PER_SECOND = 10;

export interface Producer {
  /** Record id -> epoch ms when the source accepted it. */
  readonly produced: Map<string, number>;
}

/**
 * Calls `writeRound(from, count)` TICKS_PER_SECOND times a second until `total` records
 * are written; a round that falls behind is made up by the next ones.
 */
async function atRate(total: number, perSecond: number, writeRound: (from: number, count: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  let written = 0;
  for (let tick = 1; written < total; tick++) {
    const due = Math.min(total, Math.round((tick * perSecond) / TICKS_PER_SECOND));
    if (due > written) {
      await writeRound(written, due - written);
      written = due;
    }
    const wait = started + (tick * 1000) / TICKS_PER_SECOND - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

export class SqsProducer implements Producer {
  readonly produced = new Map<string, number>();
  private next = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly prefix = 'm',
    /** Extra fields in every body (the handler-fault scenario marks poison and names the sink). */
    private readonly extra: (id: string, index: number) => Record<string, unknown> = () => ({}),
  ) {}

  /** Writes `count` more messages at `perSecond`. */
  async produce(count: number, perSecond: number): Promise<void> {
    await atRate(count, perSecond, async (_from, n) => {
      const ids = Array.from({ length: n }, () => this.next++);
      const batches: number[][] = [];
      for (let i = 0; i < ids.length; i += 10) batches.push(ids.slice(i, i + 10));
      await Promise.all(
        batches.map(async (batch) => {
          const entries = batch.map((index, j) => {
            const id = `${this.prefix}${index}`;
            return { Id: String(j), MessageBody: JSON.stringify({ id, ...this.extra(id, index) }) };
          });
          const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
          if (result.Failed?.length) throw new Error(`SendMessageBatch refused ${result.Failed.length} entries: ${JSON.stringify(result.Failed[0])}`);
          const at = Date.now();
          for (const entry of entries) this.produced.set((JSON.parse(entry.MessageBody) as { id: string }).id, at);
        }),
      );
    });
  }
}

export class KinesisProducer implements Producer {
  readonly produced = new Map<string, number>();
  /** Record id -> the stream's sequence number for it. */
  readonly sequenceNumbers = new Map<string, string>();
  private next = 0;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    /** Partition keys, used round-robin. */
    private readonly keys: number,
    private readonly extra: (id: string, index: number) => Record<string, unknown> = () => ({}),
    /** Partition keys are `<keyPrefix><i>`; distinct prefixes keep ids apart across streams. */
    private readonly keyPrefix = 'k',
  ) {}

  async produce(count: number, perSecond: number): Promise<void> {
    await atRate(count, perSecond, async (_from, n) => {
      const entries = Array.from({ length: n }, () => {
        const index = this.next++;
        const key = `${this.keyPrefix}${index % this.keys}`;
        const id = `${key}:${Math.floor(index / this.keys)}`;
        return { id, PartitionKey: key, Data: Buffer.from(JSON.stringify({ id, ...this.extra(id, index) })) };
      });
      const sequenceNumbers = await putInOrder(this.kinesis, this.streamName, entries.map(({ PartitionKey, Data }) => ({ PartitionKey, Data })));
      const at = Date.now();
      entries.forEach((entry, i) => {
        this.produced.set(entry.id, at);
        this.sequenceNumbers.set(entry.id, sequenceNumbers[i]!);
      });
    });
  }
}
