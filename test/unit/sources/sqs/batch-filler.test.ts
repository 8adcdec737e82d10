/**
 * Filling a batch under a batching window (sqs.md §4), with scripted receives: closes at
 * BatchSize, at the end of the window, or before the record that would pass 6 MB; what
 * does not fit is the next batch's first; a stop closes the batch and the rest is handed back.
 */
import { describe, expect, it } from 'vitest';
import { BatchFiller } from '../../../../src/sources/sqs/batch-filler.js';
import { MAX_PAYLOAD_BYTES, toBatchEntry, type BatchEntry } from '../../../../src/sources/sqs/sqs-batch.js';
import type { SqsEventRecord } from '../../../../src/sources/sqs/sqs-record.js';
import { STOPPED, type Received } from '../../../../src/sources/sqs/sqs-receiver.js';

let next = 0;
const entry = (body = 'x'): BatchEntry => toBatchEntry({ messageId: `m${next++}`, receiptHandle: 'rh', body } as SqsEventRecord, Date.now(), Date.now() + 60_000);
const ids = (entries: readonly BatchEntry[]) => entries.map((e) => e.record.messageId);

function filler(answers: Array<Received | ((max: number) => Received)>, options: { batchSize: number; windowSeconds: number }) {
  const asked: Array<{ max: number; waitSeconds: number }> = [];
  let running = true;
  const instance = new BatchFiller({
    ...options,
    receive: async (max, waitSeconds) => {
      asked.push({ max, waitSeconds });
      const answer = answers.shift();
      // Past the script, an empty queue: a long poll that ends empty (shortened).
      if (answer === undefined) return new Promise((resolve) => setTimeout(() => resolve([]), 20));
      return typeof answer === 'function' ? answer(max) : answer;
    },
    running: () => running,
  });
  return { instance, asked, stop: () => (running = false) };
}

describe('BatchFiller', () => {
  it('closes at BatchSize, asking only for the room left, in parallel receives of at most 10', async () => {
    const first = [entry(), entry(), entry()];
    const { instance, asked } = filler([first, (max) => Array.from({ length: max }, () => entry()), (max) => Array.from({ length: max }, () => entry())], { batchSize: 23, windowSeconds: 5 });
    const batch = await instance.fill();
    expect(batch.size).toBe(23);
    expect(asked[0]).toEqual({ max: 10, waitSeconds: 20 });
    expect(asked.slice(1).map((a) => a.max)).toEqual([10, 10]);
    expect(asked[1]!.waitSeconds).toBeLessThanOrEqual(5);
  });

  it('closes at the end of the window with what it has', async () => {
    const { instance } = filler([[entry()]], { batchSize: 100, windowSeconds: 1 });
    const started = Date.now();
    const batch = await instance.fill();
    expect(batch.size).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('what would pass 6 MB waits for the next batch, first in it', async () => {
    const big = 'b'.repeat(Math.floor(MAX_PAYLOAD_BYTES / 2));
    const [a, b, c] = [entry(big), entry(big), entry('small')];
    const { instance } = filler([[a], [b, c]], { batchSize: 10, windowSeconds: 5 });
    expect(ids((await instance.fill()).entries)).toEqual(ids([a]));
    expect(ids((await instance.fill()).entries)).toEqual(ids([b, c]));
  });

  it('a reading error on an empty batch ends the fill so the loop backs off', async () => {
    const { instance, asked } = filler([() => undefined], { batchSize: 10, windowSeconds: 5 });
    expect((await instance.fill()).size).toBe(0);
    expect(asked).toHaveLength(1);
  });

  it('a stop closes the batch; the leftovers are handed back once', async () => {
    const big = 'b'.repeat(Math.floor(MAX_PAYLOAD_BYTES / 2));
    const [a, b, c] = [entry(big), entry(big), entry()];
    const fill = filler([[a], [b, c], STOPPED], { batchSize: 10, windowSeconds: 5 });
    expect(ids((await fill.instance.fill()).entries)).toEqual(ids([a]));
    fill.stop();
    expect(ids(fill.instance.takeLeftovers())).toEqual(ids([b, c]));
    expect(fill.instance.takeLeftovers()).toEqual([]);
  });
});
